/// What the simulated far end does, chosen by the last four digits of the dialled number
/// (the same test numbers as the loopback backend where they overlap).
public enum Scenario: String, Sendable, CaseIterable {
    /// Answers and receives every page (then the TIFF decides: bad files fail as spandsp would).
    case success
    /// …0486: SIP 486 Busy Here, cause 17.
    case busy
    /// …0480: rings until the Originate timeout, cause 19.
    case noAnswer
    /// …0503: SIP 503, cause 34.
    case congestion
    /// …0404: SIP 404, cause 1 (unallocated number).
    case unallocated
    /// …0403: SIP 403, cause 21 (call rejected).
    case rejected
    /// …0502: SIP 502, cause 27 (destination out of order → CHANUNAVAIL).
    case channelUnavailable
    /// …0488: answers, then hangs up once the first page is confirmed ("The call dropped
    /// prematurely", 1 page sent) when there are more pages; a one-page fax goes through.
    /// As the loopback backend: with resume, each retry delivers one more page.
    case dropAfterFirstPage
    /// …0606: answers but T.38 never comes up ("error negotiating T.38").
    case negotiationFailure
    /// …0408: answers and never finishes: only an AMI Hangup ends the call.
    case hang

    public static func forNumber(_ number: String) -> Scenario {
        switch number.suffix(4) {
        case "0486": return .busy
        case "0480": return .noAnswer
        case "0503": return .congestion
        case "0404": return .unallocated
        case "0403": return .rejected
        case "0502": return .channelUnavailable
        case "0488": return .dropAfterFirstPage
        case "0606": return .negotiationFailure
        case "0408": return .hang
        default: return .success
        }
    }

    /// The dial failure this scenario produces: (DIALSTATUS, cause, OriginateResponse reason).
    var dialFailure: (dialStatus: String, cause: Int, reason: Int)? {
        switch self {
        case .busy: return ("BUSY", 17, 5)
        case .congestion: return ("CONGESTION", 34, 8)
        case .unallocated: return ("CHANUNAVAIL", 1, 8)
        case .rejected: return ("CHANUNAVAIL", 21, 8)
        case .channelUnavailable: return ("CHANUNAVAIL", 27, 8)
        case .noAnswer: return ("NOANSWER", 19, 0)
        default: return nil
        }
    }
}
