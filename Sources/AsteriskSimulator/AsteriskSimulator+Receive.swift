import FaxDropAMI
import FaxDropCore
import FaxDropFaxImage
import Foundation

extension AsteriskSimulator {
    /// A fax arriving from the trunk into `[faxdrop-inbound]` (SPEC §10), as a test sets it up.
    public struct InboundFax: Sendable {
        /// The dialled number as the trunk sends it (EXTEN): untrusted.
        public var did: String
        /// CALLERID(num): untrusted.
        public var caller: String
        /// The sender's TSI: untrusted.
        public var remoteStationID: String
        /// A TIFF standing for what spandsp wrote; nil when nothing was received.
        public var tiff: String?
        /// Pages that came (a partial receive keeps only these); nil: all of them.
        public var pagesReceived: Int?
        /// nil: success. Otherwise spandsp's or res_fax's text (FAXERROR = FAXSTATUSSTRING).
        public var failure: String?
        public var mode = "T38"
        /// Seconds the fax takes on the line (scaled by `timeScale`).
        public var seconds: Double = 0
        /// The channel's Uniqueid; nil: the next one of this simulator. Set it to make two
        /// simulated nodes hand out the same id, as two real Asterisks can.
        public var uniqueID: String?

        public init(did: String, caller: String, remoteStationID: String, tiff: String?) {
            self.did = did
            self.caller = caller
            self.remoteStationID = remoteStationID
            self.tiff = tiff
        }
    }

    /// The AstDB copy of a receive (`FaxDropRx/<receive id>`), if still there.
    public func storedReceive(_ receiveID: String) -> String? {
        database["\(FaxReceivedEvent.databaseFamily)/\(receiveID)"]
    }

    /// Runs one inbound call the way the shipped dialplan does and the `rx_*` captures show:
    /// `Newchannel` in `faxdrop-inbound`, `ReceiveFAX` (only when the fax started), then the
    /// hang-up: `SoftHangupRequest`, the hang-up handler's AstDB copy and
    /// `UserEvent(FaxReceived)` (free text percent-encoded), and last `Hangup`. The file is
    /// written under `receivingDirectory` (Asterisk's path, mapped like the send spool).
    /// Returns the receive id (the channel's Uniqueid).
    @discardableResult
    public func receiveFax(_ fax: InboundFax) async throws -> String {
        let uniqueID = fax.uniqueID ?? nextUniqueID()
        var call = Call(
            key: uniqueID, number: fax.did, scenario: .success, actionID: nil, requestedChannel: "",
            uniqueID1: uniqueID, uniqueID2: uniqueID, name1: "PJSIP/trunk-\(nextChannelSuffix())", name2: "",
            variables: [:], timeout: 0, callerID: fax.caller, generation: currentGeneration)
        call.name2 = call.name1
        let digitsOnly = String(fax.did.unicodeScalars.filter { "0123456789+".unicodeScalars.contains($0) })
        broadcast(
            event("Newchannel", "call", snapshot(call, half: 1, state: 4, context: "faxdrop-inbound", exten: fax.did)),
            class: "call")
        call.answered = true
        await sleep(seconds: fax.seconds)

        let asteriskFile = "\(options.receivingDirectory)/\(uniqueID).tif"
        var pages = 0
        var wrote = false
        if let tiff = fax.tiff {
            let total = try FaxImage.inspect(tiff).count
            pages = min(total, fax.pagesReceived ?? total)
            if pages > 0 {
                _ = try FaxImage.copyPages(
                    from: tiff, to: localPath(asteriskFile), pages: Array(0..<pages))
                wrote = true
            }
        }
        let status = fax.failure == nil ? "SUCCESS" : "FAILED"
        let remote = fax.tiff == nil ? "" : fax.remoteStationID
        let resolution = wrote ? Self.spandspResolution(try FaxImage.inspect(localPath(asteriskFile))[0]) : ""
        if fax.tiff != nil {
            let body =
                snapshot(call, half: 1, state: 6, context: "faxdrop-receive", exten: "s", priority: 6) + [
                    .init("LocalStationID", ""), .init("RemoteStationID", remote),
                    .init("PagesTransferred", "\(pages)"),
                    .init("Resolution", resolution), .init("TransferRate", "14400"),
                    .init("FileName", asteriskFile),
                ]
            broadcast(event("ReceiveFAX", "call", body), class: "call")
        }
        let cause = 16
        broadcast(
            event(
                "SoftHangupRequest", "call",
                snapshot(call, half: 1, state: 6, context: "faxdrop-receive", exten: "s", priority: 7)
                    + [.init("Cause", "\(cause)")]), class: "call")

        var result = FaxReceivedEvent()
        result.receiveID = uniqueID
        result.did = digitsOnly
        result.caller = fax.caller
        result.remoteStationID = remote.isEmpty ? nil : remote
        result.pages = pages
        result.status = status
        result.error = fax.failure
        result.statusString = fax.failure ?? "OK"
        result.bitRate = fax.tiff == nil ? nil : 14400
        result.resolution = resolution.isEmpty ? nil : resolution
        result.mode = fax.tiff == nil ? nil : fax.mode
        result.hangupCause = cause
        result.duration = Int(fax.seconds)
        result.file = wrote ? asteriskFile : nil
        let fields = result.orderedFields
        database["\(FaxReceivedEvent.databaseFamily)/\(uniqueID)"] = StoredResult.encode(fields)
        var body = snapshot(call, half: 1, state: 6, context: "faxdrop-rx-ended", exten: "s", priority: 6)
        body.append(.init("UserEvent", FaxReceivedEvent.userEventName))
        body += fields.map { name, value in
            AMIMessage.Header(
                name, FaxReceivedEvent.encodedFields.contains(name) ? PercentEncoding.encode(value) : value)
        }
        broadcast(event("UserEvent", "user", body), class: "user")
        broadcast(
            event(
                "Hangup", "call",
                snapshot(call, half: 1, state: 6, context: "faxdrop-receive", exten: "s", priority: 7) + [
                    .init("Cause", "\(cause)"), .init("Cause-txt", Self.causeText[cause] ?? "Unknown"),
                ]), class: "call")
        return uniqueID
    }

    /// spandsp's FAXRESOLUTION: pixels per metre, `8031x7700` for 204×196 dpi.
    static func spandspResolution(_ page: FaxPageInfo) -> String {
        let x = Int((page.horizontalDPI / 0.0254).rounded(.down))
        let y = Int((page.verticalDPI / 0.0254).rounded(.down))
        return "\(x)x\(y)"
    }
}
