import FaxDropAMI
import FaxDropCore
import FaxDropFaxImage
import FaxDropSystem
import Foundation
import Logging

/// Lands one received fax (SPEC §10): `incoming/<folder>/<id>.pdf` (the TIFF's CCITT data
/// wrapped, not re-encoded) and its sidecar `<id>.json`, both group-readable only, then
/// removes Asterisk's TIFF — never before the PDF and sidecar are durable.
///
/// Each step can be redone. A journal `receiving/<receive id>.json`, written before anything
/// else, fixes the FaxDrop id of the receive and keeps the event, so a crash anywhere is
/// finished at the next start (or by the next `land` of the same receive, from the event
/// again or from the AstDB copy) with the same names, never a second fax. Once landed the
/// journal stays as a marker (`landed`), so a receive reported twice lands once.
///
/// Names come only from the validated DID (or a route's folder) and FaxDrop's id. The
/// received file is looked up in `receiving/` (or the node's own receiving folder) by the
/// validated receive id alone: the event's `File` path is never opened.
///
/// With several Asterisk nodes (`FAXDROP_ASTERISK_NODES`) a receive is known by its node and
/// its receive id together — two nodes can hand out the same `UNIQUEID` — so its journal is
/// `receiving/<node>@<receive id>.json` and its sidecar names the node.
public struct ReceiveLander: Sendable {
    public let spool: Spool
    public let gateway: Sidecar.Gateway
    /// `FAXDROP_INCOMING_KEEP_TIFF`: keep the received TIFF beside the PDF as `<id>.tif`.
    public let keepTIFF: Bool
    /// The folder under `incoming/` for a validated DID (routes); nil: the DID itself.
    public let route: @Sendable (String) -> String?

    public init(
        spool: Spool, gateway: Sidecar.Gateway = .current, keepTIFF: Bool = false,
        route: @escaping @Sendable (String) -> String? = { _ in nil }
    ) {
        self.spool = spool
        self.gateway = gateway
        self.keepTIFF = keepTIFF
        self.route = route
    }

    /// The lander of the daemon and of `faxdrop receive-test`, as configured. Throws when
    /// the routes file cannot be read or has a bad line.
    public static func make(_ configuration: Configuration) throws -> ReceiveLander {
        var routes = InboundRoutes()
        if let path = configuration.inboundRoutes {
            let bytes = try AtomicFile.read(path, limit: 1 << 20)
            do {
                routes = try InboundRoutes(parsing: String(decoding: bytes, as: UTF8.self))
            } catch let error as InboundRoutes.ParseError {
                throw ConfigurationError(key: "FAXDROP_INBOUND_ROUTES", problem: "\(path): \(error)")
            }
        }
        let table = routes
        return ReceiveLander(
            spool: Spool(root: configuration.spool), keepTIFF: configuration.incomingKeepTIFF,
            route: { table.folder(for: $0) })
    }

    public struct Landed: Sendable {
        public var sidecar: ReceivedSidecar
        public var sidecarPath: String
        public var pdfPath: String?
        /// When the PDF's rename (and the folder's fsync) was done; nil without a PDF.
        public var pdfLandedAt: Date?
    }

    /// Where a receive came from: its Asterisk node (nil with a single node) and the folder
    /// that node's `ReceiveFAX` writes to, as FaxDrop sees it (nil: the spool's `receiving/`).
    public struct Origin: Sendable, Equatable {
        public var node: String?
        public var receivingDir: String?

        public init(node: String? = nil, receivingDir: String? = nil) {
            self.node = node
            self.receivingDir = receivingDir
        }
    }

    struct Journal: Codable {
        var id: JobID
        var receivedAt: Date
        /// The event as the AstDB copy holds it (`StoredResult` encoding).
        var event: String?
        var landed: Bool?
        /// The node and its receiving folder; absent with a single node.
        var node: String?
        var receivingDir: String?
    }

    /// The journal's file name of a receive: `<receive id>.json`, or with a node
    /// `<node>@<receive id>.json` (node names hold no `@`).
    public static func journalName(_ receiveID: String, node: String?) -> String {
        (node.map { $0 + "@" } ?? "") + receiveID + ".json"
    }

    /// The node and receive id a journal's file name stands for; nil for another name.
    public static func parseJournalName(_ name: String) -> (node: String?, receiveID: String)? {
        guard name.hasSuffix(".json") else { return nil }
        let stem = name.dropLast(5)
        guard let at = stem.lastIndex(of: "@") else {
            return InboundText.receiveID(String(stem)).map { (nil, $0) }
        }
        let node = String(stem[..<at])
        guard !node.isEmpty, let id = InboundText.receiveID(String(stem[stem.index(after: at)...])) else { return nil }
        return (node, id)
    }

    func journalPath(_ receiveID: String, node: String?) -> String {
        spool.receiving + "/" + Self.journalName(receiveID, node: node)
    }

    /// The journal of `receiveID`: the event of a landing a crash interrupted, or nil.
    public func interrupted(_ receiveID: String, node: String? = nil) -> FaxReceivedEvent? {
        interruptedLanding(receiveID, node: node)?.event
    }

    /// A landing a crash interrupted: its event and where it came from.
    public func interruptedLanding(_ receiveID: String, node: String?) -> (event: FaxReceivedEvent, origin: Origin)? {
        guard let bytes = try? AtomicFile.read(journalPath(receiveID, node: node)),
            let journal = try? JSONDecoder.faxdrop().decode(Journal.self, from: Data(bytes)),
            journal.landed != true, let stored = journal.event
        else { return nil }
        return (FaxReceivedEvent(stored: stored), Origin(node: node, receivingDir: journal.receivingDir))
    }

    /// Whether a journal of this receive exists (landing begun or done).
    public func hasJournal(_ receiveID: String, node: String?) -> Bool {
        (try? Syscall.lstatIfExists(journalPath(receiveID, node: node))) != nil
    }

    /// The local path of the received TIFF of `receiveID`.
    public func receivedFile(_ receiveID: String) -> String { receivedFile(receiveID, in: nil) }

    /// The local path of the received TIFF of `receiveID` in a node's receiving folder.
    public func receivedFile(_ receiveID: String, in receivingDir: String?) -> String {
        (receivingDir ?? spool.receiving) + "/" + receiveID + ".tif"
    }

    /// Lands `event`; nil when this receive was landed before. Throws only when the spool
    /// cannot be written; the TIFF then stays where it is and the next attempt finishes it.
    @discardableResult
    public func land(_ event: FaxReceivedEvent, from origin: Origin = Origin(), now: Date = Date(), logger: Logger)
        throws -> Landed?
    {
        let receiveID = InboundText.receiveID(event.receiveID)
        let journal = receiveID.map { journalPath($0, node: origin.node) }
        // 1. The journal: the id of this receive, once and for all.
        var record = Journal(
            id: Self.newID(now), receivedAt: now, event: StoredResult.encode(event.orderedFields), landed: nil,
            node: origin.node, receivingDir: origin.receivingDir)
        if let journal {
            if let bytes = try? AtomicFile.read(journal),
                let old = try? JSONDecoder.faxdrop().decode(Journal.self, from: Data(bytes))
            {
                if old.landed == true { return nil }
                record = old
            } else {
                try AtomicFile.write(
                    try JSONEncoder.faxdrop().encode(record), to: journal, stagingDirectory: spool.tmp, mode: 0o640)
            }
        }
        var logger = logger
        logger[metadataKey: "receive"] = "\(record.id.value)"
        if let node = origin.node { logger[metadataKey: "node"] = "\(node)" }
        let did = InboundText.did(event.did)
        let folderName = did.flatMap(route) ?? did ?? "unknown"
        let folder = spool.incoming + "/" + folderName
        try Syscall.mkdirIfNeeded(spool.incoming, mode: 0o750)
        try Syscall.mkdirIfNeeded(folder, mode: 0o750)

        // 2. The PDF, from the TIFF as it is.
        // The folder the landing began with (a crash's journal keeps it), else the node's.
        let receivingDir = record.receivingDir ?? origin.receivingDir ?? spool.receiving
        let tiff = receiveID.map { receivedFile($0, in: receivingDir) }
        let tiffStatus = try tiff.flatMap { try Syscall.lstatIfExists($0) }
        let pdfName = record.id.value + ".pdf"
        let tiffName = record.id.value + ".tif"
        let pdfPath = folder + "/" + pdfName
        let keptTIFF = folder + "/" + tiffName
        var pages: [FaxPDFWriter.Page] = []
        var conversionError: String?
        var pdfLandedAt: Date?
        var document = ReceivedSidecar.Document()
        if let tiff, let tiffStatus, tiffStatus.kind == .regular {
            document.tiffBytes = tiffStatus.size
            do {
                pages = try FaxPDFWriter.pages(ofTIFF: tiff)
                let title = "Fax from " + InboundText.sanitise(event.caller, limit: 24)
                let pdf = FaxPDFWriter.pdf(pages, title: title)
                try AtomicFile.write(pdf, to: pdfPath, stagingDirectory: spool.tmp, mode: 0o640)
                pdfLandedAt = Date()
                document.storedAs = pdfName
                document.bytes = Int64(pdf.count)
                document.sha256 = SHA256.hex(pdf)
            } catch let error as FaxImage.ReadError {
                conversionError = error.message
                logger.error(
                    "received file cannot be read; it is kept beside the sidecar",
                    metadata: ["problem": "\(error.message)"])
            }
        } else if (try? Syscall.lstatIfExists(pdfPath)) != nil, let bytes = try? AtomicFile.read(pdfPath) {
            // A crash after the TIFF was removed but before the journal was: the PDF is final.
            document.storedAs = pdfName
            document.bytes = Int64(bytes.count)
            document.sha256 = SHA256.hex(bytes)
        }
        // Only a regular file is ever kept: a link (or anything else) in receiving/ is removed.
        let keep = (keepTIFF || conversionError != nil) && (tiffStatus.map { $0.kind == .regular } ?? true)
        if keep, (try? Syscall.lstatIfExists(keptTIFF)) != nil { document.tiff = tiffName }
        if keep, tiffStatus != nil { document.tiff = tiffName }

        // 3. The sidecar, last and atomically.
        let sidecar = makeSidecar(
            event, id: record.id, did: did, folder: folderName, pages: pages, document: document,
            conversionError: conversionError, receivedAt: record.receivedAt, now: now, node: origin.node)
        let sidecarPath = folder + "/" + record.id.value + ".json"
        try AtomicFile.write(
            try JSONEncoder.faxdrop().encode(sidecar), to: sidecarPath, stagingDirectory: spool.tmp, mode: 0o640)

        // 4. Only now: Asterisk's TIFF goes (or is kept beside the PDF), then the journal.
        if let tiff, tiffStatus != nil {
            if keep {
                try Syscall.renameNoReplace(tiff, keptTIFF)
                try Syscall.chmod(keptTIFF, mode: 0o640)
                try Syscall.fsyncDirectory(folder)
            } else {
                try Syscall.unlink(tiff)
            }
            try Syscall.fsyncDirectory(receivingDir)
        }
        if let journal {
            record.landed = true
            try AtomicFile.write(
                try JSONEncoder.faxdrop().encode(record), to: journal, stagingDirectory: spool.tmp, mode: 0o640)
        }
        logger.info(
            "fax received",
            metadata: [
                "status": "\(sidecar.status.rawValue)", "pages": "\(sidecar.pages.received)", "folder": "\(folderName)",
                "caller": "\(sidecar.caller)", "remote_station_id": "\(sidecar.remoteStationID)",
            ])
        return Landed(
            sidecar: sidecar, sidecarPath: sidecarPath, pdfPath: document.storedAs == nil ? nil : pdfPath,
            pdfLandedAt: pdfLandedAt)
    }

    func makeSidecar(
        _ event: FaxReceivedEvent, id: JobID, did: String?, folder: String, pages: [FaxPDFWriter.Page],
        document: ReceivedSidecar.Document, conversionError: String?, receivedAt: Date, now: Date,
        node: String? = nil
    ) -> ReceivedSidecar {
        let succeeded = event.status == "SUCCESS" && conversionError == nil && !pages.isEmpty
        let status: ReceivedSidecar.Status = succeeded ? .received : (pages.isEmpty ? .failed : .partial)
        let asteriskError = InboundText.sanitise(event.error, limit: 80)
        let text = InboundText.sanitise(event.statusString, limit: 80)
        var failure: ReceivedSidecar.Failure?
        if let conversionError {
            failure = .init(
                code: .corruptDocument, message: "the received file cannot be read: \(conversionError)",
                asteriskError: asteriskError)
        } else if !succeeded {
            let negotiation = pages.isEmpty && (event.mode == nil || asteriskError == "T38_NEG_ERROR")
            let what = pages.isEmpty ? "no page was received" : "the fax ended early; the pages that came are kept"
            failure = .init(
                code: negotiation ? .faxNegotiationFailed : .faxTransferFailed,
                message: text.isEmpty ? what : "\(what) (\(text))", asteriskError: asteriskError)
        }
        let resolution = pages.first.map { $0.verticalDPI < 150 ? "normal" : "fine" }
        let mode = event.mode.flatMap { ["T38", "audio"].contains($0) ? $0 : nil }
        return ReceivedSidecar(
            id: id, status: status, did: did, folder: folder, caller: InboundText.sanitise(event.caller, limit: 32),
            remoteStationID: InboundText.sanitise(event.remoteStationID, limit: 40),
            pages: .init(received: pages.count, reported: max(0, event.pages ?? 0)), document: document,
            fax: .init(
                mode: mode, bitRate: event.bitRate, resolution: resolution, durationSeconds: event.duration,
                hangupCause: event.hangupCause),
            error: failure, receiveID: InboundText.receiveID(event.receiveID), receivedAt: receivedAt,
            completedAt: now, gateway: gateway, node: node)
    }

    static func newID(_ now: Date) -> JobID {
        JobID(
            milliseconds: UInt64(max(0, now.timeIntervalSince1970 * 1000)),
            random: (UInt16.random(in: 0...UInt16.max), UInt64.random(in: 0...UInt64.max)))
    }
}
