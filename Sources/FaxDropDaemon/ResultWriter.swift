import FaxDropCore
import FaxDropSystem
import Foundation

/// Ends a job: moves its document beside the sidecar as `<job-id>.<ext>`, writes the
/// sidecar last and atomically, then clears `active/<job-id>/`. Every step can be redone,
/// so a crash anywhere is finished by the next start (SPEC §1, §2).
///
/// The kept document can never take the sidecar's name: its extension is never `json`
/// (a document named `*.json` that is no accepted format is kept as `<job-id>.bin`), and
/// it is moved without replacing anything, so `<job-id>.json` only ever holds a sidecar.
public struct ResultWriter: Sendable {
    public let spool: Spool
    public let gateway: Sidecar.Gateway
    /// Whether an ended job's fax image is kept in `images/` (`FAXDROP_KEEP_IMAGES_DAYS` > 0).
    public let keepImages: Bool

    public init(spool: Spool, gateway: Sidecar.Gateway = .current, keepImages: Bool = true) {
        self.spool = spool
        self.gateway = gateway
        self.keepImages = keepImages
    }

    /// A written result: the sidecar's path and the sidecar itself, built once.
    public struct Written: Sendable {
        public var path: String
        public var sidecar: Sidecar
    }

    /// Writes the final result of `record` (state done or failed). Returns the sidecar path.
    @discardableResult
    public func finish(_ record: JobRecord, now: Date) throws -> String {
        try write(record, now: now).path
    }

    /// Writes the final result of `record` (state done or failed); returns the sidecar written,
    /// for the observers (webhook, hook, metrics), which get it as it is on disk.
    public func write(_ record: JobRecord, now: Date) throws -> Written {
        let document = spool.jobFolder(record.jobID) + "/" + record.documentFile
        let outcomeFolder = record.state == .done ? spool.done : spool.failed
        let stored = outcomeFolder + "/" + Self.storedName(record)
        // Already there when a crash interrupted an earlier finish.
        if (try Syscall.lstatIfExists(stored)) == nil, (try Syscall.lstatIfExists(document)) != nil {
            try Syscall.renameNoReplace(document, stored)
        }
        for (i, more) in (record.moreDocuments ?? []).enumerated() {
            let source = spool.jobFolder(record.jobID) + "/" + more.file
            let target = outcomeFolder + "/" + Self.storedName(record, more, number: i + 2)
            if (try Syscall.lstatIfExists(target)) == nil, (try Syscall.lstatIfExists(source)) != nil {
                try Syscall.renameNoReplace(source, target)
            }
        }
        let sidecar = makeSidecar(record, now: now)
        let data = try JSONEncoder.faxdrop().encode(sidecar)
        let path = spool.sidecar(record.jobID, status: sidecar.status)
        try AtomicFile.write(data, to: path, stagingDirectory: spool.tmp)
        try clearJobFolder(record.jobID, keepImage: (record.pagesTotal ?? 0) > 0)
        return Written(path: path, sidecar: sidecar)
    }

    public func makeSidecar(_ record: JobRecord, now: Date) -> Sidecar {
        let sent = record.state == .done
        let keptName = Self.storedName(record)
        let kept =
            (try? Syscall.lstatIfExists((sent ? spool.done : spool.failed) + "/" + keptName)) != nil
            || (try? Syscall.lstatIfExists(spool.document(record.jobID))) != nil
        let error = sent ? nil : (record.lastError?.error ?? FaxError(.internalError, "the job ended without a cause"))
        var sidecar = Sidecar(
            jobID: record.jobID, status: sent ? .sent : .failed, destination: record.destination,
            document: Sidecar.Document(
                originalName: record.originalName, storedAs: kept ? keptName : nil,
                bytes: record.bytes, sha256: record.sha256, format: record.format),
            pages: Sidecar.Pages(total: record.pagesTotal ?? 0, sent: record.pagesSent), fax: record.fax,
            attempts: record.attempts, error: error.map(Sidecar.Failure.init), queuedAt: record.queuedAt,
            completedAt: now, gateway: gateway, retryOf: record.retryOf)
        if let number = record.number {
            sidecar.recipient = Sidecar.Recipient(number: number.value, name: record.recipientName)
        }
        sidecar.options = record.options
        sidecar.sendAt = record.sendAt
        sidecar.batchID = record.batchID
        if let more = record.moreDocuments, !more.isEmpty {
            let folder = sent ? spool.done : spool.failed
            sidecar.documents =
                [sidecar.document]
                + more.enumerated().map { i, document in
                    let name = Self.storedName(record, document, number: i + 2)
                    let kept =
                        (try? Syscall.lstatIfExists(folder + "/" + name)) != nil
                        || (try? Syscall.lstatIfExists(spool.jobFolder(record.jobID) + "/" + document.file)) != nil
                    return Sidecar.Document(
                        originalName: document.originalName, storedAs: kept ? name : nil, bytes: document.bytes,
                        sha256: document.sha256, format: document.format)
                }
        }
        return sidecar
    }

    /// The kept name of a job's further document number `number`: `<job-id>-<n>.<ext>`,
    /// by the same extension rules as the first (never `json`).
    public static func storedName(_ record: JobRecord, _ document: JobDocument, number: Int) -> String {
        "\(record.jobID.value)-\(number).\(storedExtension(format: document.format, originalName: document.originalName))"
    }

    /// The kept document's name: `<job-id>.<ext>`.
    public static func storedName(_ record: JobRecord) -> String {
        "\(record.jobID.value).\(storedExtension(record))"
    }

    /// The recognised format's extension; otherwise the original's, if it is a plain short
    /// word other than `json` (the sidecar's); otherwise `bin`.
    static func storedExtension(_ record: JobRecord) -> String {
        storedExtension(format: record.format, originalName: record.originalName)
    }

    static func storedExtension(format: DocumentFormat?, originalName: String) -> String {
        if let format { return format.fileExtension }
        if let dot = originalName.lastIndex(of: "."), dot != originalName.startIndex {
            let ext = originalName[originalName.index(after: dot)...].lowercased()
            if (1...8).contains(ext.count), ext != "json",
                ext.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
            {
                return ext
            }
        }
        return "bin"
    }

    /// A half-written image or cover a killed renderer or daemon left behind
    /// (`.fax.tif.<pid>.<n>.part`, `.cover.pdf.<pid>.<n>.tmp`).
    static func isStaging(_ name: String) -> Bool {
        name.hasPrefix(".") && (name.hasSuffix(".part") || name.hasSuffix(".tmp"))
            && (name.contains(".tif.") || name.hasPrefix("." + CoverStep.pdfName + ".")
                || name.hasPrefix("." + Letterhead.pdfName + "."))
    }

    /// Removes the job's working files (rendered images, then the journal) and its folder.
    /// Only files FaxDrop derived are removed; anything else keeps the folder in place.
    /// With `keepImage` (a job that had pages), the fax as it was sent is first moved, by a
    /// rename, to `images/<job-id>.tif`; if it cannot be, it goes with the rest.
    func clearJobFolder(_ id: JobID, keepImage: Bool = false) throws {
        let folder = spool.jobFolder(id)
        guard var names = try? Syscall.listDirectory(folder) else { return }
        if keepImage && keepImages && names.contains("fax.tif") {
            try? Syscall.mkdirIfNeeded(spool.images, mode: 0o700)
            if (try? Syscall.rename(spool.faxImage(id), spool.keptImage(id))) != nil {
                names.removeAll { $0 == "fax.tif" }
            }
        }
        for name in names where Self.isDerived(name) { try Syscall.unlink(folder + "/" + name) }
        try Syscall.unlink(folder + "/job.json")
        try? Syscall.rmdir(folder)
    }

    /// A file FaxDrop made in a job folder: a fax image (`fax.tif`, `fax-from-N.tif`), the
    /// cover page's PDF, or a staging file a killed renderer or daemon left behind.
    static func isDerived(_ name: String) -> Bool {
        name.hasSuffix(".tif") || name == CoverStep.pdfName || name == Letterhead.pdfName || isStaging(name)
    }
}

extension Sidecar.Gateway {
    /// This machine's host name and FaxDrop's version.
    public static var current: Sidecar.Gateway {
        Sidecar.Gateway(host: ProcessInfo.processInfo.hostName, version: FaxDropVersion.string)
    }
}

public enum FaxDropVersion {
    public static let string = "0.1.0"
}
