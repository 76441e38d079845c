import FaxDropCore

/// Turns what Asterisk reported about an attempt into FaxDrop's result (SPEC §3 codes).
///
/// Success is decided by `FAXSTATUS` alone: after a good fax res_fax leaves
/// `FAXERROR=HANGUP` (AMI-REFERENCE §4.4).
public enum FaxOutcome {
    /// res_fax / spandsp texts that mean the two fax machines never agreed to send a page.
    static let negotiationMarkers = [
        "T38_NEG_ERROR", "error negotiating T.38", "T.38 switch failed", "Far end cannot receive",
        "Far end is not compatible", "Far end is not able to receive", "DIS", "DCS", "Failed to train",
        "Timed out waiting for initial communication", "Timed out waiting for the first message",
        "The CED tone exceeded",
    ]
    /// Texts that mean Asterisk could not use the file we gave it: retrying cannot help.
    static let localFileMarkers = [
        "FILE_ERROR", "error reading file", "TIFF/F file cannot be opened", "TIFF/F page not found",
        "TIFF/F format is not compatible", "TIFF/F page number tag missing", "Incorrect values for TIFF/F tags",
        "Bad TIFF/F header", "INVALID_ARGUMENTS", "invalid arguments",
    ]

    /// Maps a `FaxResult` event, with the `;1` Hangup cause if one was seen. The dial
    /// technology (the dialplan's `FAXDROP_DIAL_TECH`, when known) names the channel driver
    /// in the message of a cause 66.
    public static func result(
        of event: FaxResultEvent, channelHangupCause: Int? = nil, dialTechnology: String? = nil
    ) -> CallResult {
        let stage = event.stage ?? (isDialFailure(event.dialStatus ?? event.error) ? "dial" : "fax")
        var details = CallDetails(
            faxStatus: event.status, faxError: event.rawError ?? event.error, statusString: event.statusString,
            hangupCause: event.hangupCause ?? channelHangupCause,
            dialStatus: event.dialStatus ?? (stage == "dial" ? event.error : "ANSWER"),
            mode: event.mode == "none" ? nil : event.mode, bitRate: event.bitRate,
            remoteStationID: event.remoteStationID, channelUniqueID: event.uniqueID, endedIn: stage)
        if details.dialStatus?.isEmpty == true { details.dialStatus = nil }
        let pages = event.pages ?? 0

        if event.status == "SUCCESS" {
            let who = event.remoteStationID.map { " to \($0)" } ?? ""
            return CallResult(
                status: .sent, pagesSent: pages,
                message: "\(pages) page\(pages == 1 ? "" : "s") sent\(who)", details: details)
        }
        if stage == "dial" {
            let code = dialCode(dialStatus: details.dialStatus, cause: details.hangupCause)
            return CallResult(
                status: .failed(code), pagesSent: 0,
                message: dialMessage(code, details, dialTechnology: dialTechnology),
                details: details)
        }
        let text = [event.statusString, event.error, event.rawError].compactMap { $0 }.joined(separator: " / ")
        let reason = event.statusString ?? event.error ?? "unknown fax error"
        if localFileMarkers.contains(where: { text.contains($0) }) {
            return CallResult(
                status: .failed(.internalError), pagesSent: pages,
                message: "Asterisk could not send the fax image: \(reason)", details: details)
        }
        if pages == 0 && negotiationMarkers.contains(where: { text.contains($0) }) {
            return CallResult(
                status: .failed(.faxNegotiationFailed), pagesSent: 0,
                message: "fax negotiation failed: \(reason)", details: details)
        }
        return CallResult(
            status: .failed(.faxTransferFailed), pagesSent: pages,
            message: "fax transfer failed after \(pages) page\(pages == 1 ? "" : "s"): \(reason)", details: details)
    }

    /// `DIALSTATUS` and the Q.850 cause to a dial-stage code. Causes 1 and 21 are told
    /// apart from the CHANUNAVAIL that Dial reports for both (AMI-REFERENCE §2.6).
    public static func dialCode(dialStatus: String?, cause: Int?) -> ErrorCode {
        switch cause {
        // AST_CAUSE_BEARERCAPABILITY_NOTIMPL, which Asterisk's ast_request() also calls
        // AST_CAUSE_NOSUCHDRIVER: "No channel type registered" (main/channel.c).
        case channelDriverMissingCause: return .channelDriverMissing
        case 1, 22, 28: return .unallocatedNumber
        case 21: return .rejected
        default: break
        }
        switch dialStatus {
        case "BUSY": return .busy
        case "NOANSWER": return .noAnswer
        case "CONGESTION": return .congestion
        case "CHANUNAVAIL": return .channelUnavailable
        default:
            switch cause {
            case 17: return .busy
            case 18, 19: return .noAnswer
            case 34, 38, 41, 42: return .congestion
            default: return .channelUnavailable
            }
        }
    }

    /// An `OriginateResponse` Failure with no `FaxResult` (a foreign dialplan): the
    /// reason number is all there is (AMI-REFERENCE §2.3).
    public static func resultOfOriginateFailure(
        reason: Int?, hangupCause: Int?, dialTechnology: String? = nil
    ) -> CallResult {
        let code: ErrorCode
        var dialStatus: String?
        switch reason {
        case 5: (code, dialStatus) = (.busy, "BUSY")
        case 8: (code, dialStatus) = (.congestion, "CONGESTION")
        case 3: (code, dialStatus) = (.noAnswer, "NOANSWER")
        default: code = dialCode(dialStatus: nil, cause: hangupCause)
        }
        let details = CallDetails(hangupCause: hangupCause, dialStatus: dialStatus, endedIn: "dial")
        return CallResult(
            status: .failed(code), pagesSent: 0,
            message: dialMessage(code, details, dialTechnology: dialTechnology)
                + " (OriginateResponse reason \(reason.map(String.init) ?? "?"))",
            details: details)
    }

    static func isDialFailure(_ value: String?) -> Bool {
        ["BUSY", "NOANSWER", "CONGESTION", "CHANUNAVAIL", "CANCEL", "DONTCALL", "TORTURE", "INVALIDARGS"]
            .contains(value?.uppercased() ?? "")
    }

    /// Q.850 66, "channel type not implemented": Asterisk has no driver for the technology.
    public static let channelDriverMissingCause = 66

    static func dialMessage(_ code: ErrorCode, _ details: CallDetails, dialTechnology: String? = nil) -> String {
        let cause = details.hangupCause.map { ", cause \($0)" } ?? ""
        let status = details.dialStatus.map { " (\($0)\(cause))" } ?? (cause.isEmpty ? "" : " (\(cause.dropFirst(2)))")
        switch code {
        case .busy: return "the line was busy" + status
        case .noAnswer: return "no answer" + status
        case .congestion: return "the network was congested" + status
        case .unallocatedNumber: return "the number is not allocated" + status
        case .rejected: return "the call was rejected" + status
        case .channelDriverMissing:
            let driver =
                dialTechnology.map {
                    "\(AsteriskModules.channelDriver(forTechnology: $0)) (the driver of \($0), FAXDROP_DIAL_TECH)"
                } ?? "the channel driver of FAXDROP_DIAL_TECH"
            return "Asterisk has no channel driver for the trunk: \(driver) is not loaded; "
                + "check modules.conf and the Asterisk log" + status
        default: return "the call could not be placed" + status
        }
    }
}
