/// An event from Asterisk, decoded from its headers: the session machine matches these
/// cases, never header names. Only the events FaxDrop acts on (or names in logs) have a
/// case of their own; every other event is `.other` with its name.
public enum AMIEvent: Sendable, Equatable {
    /// Asterisk finished starting (sent to each new AMI connection once it has).
    case fullyBooted
    /// The end of an asynchronous `Originate`: answered, or why not.
    case originateResponse(OriginateResponseEvent)
    case newChannel(uniqueID: String?, channel: String?)
    /// A channel went away, with its Q.850 cause.
    case hangup(uniqueID: String?, cause: Int?)
    /// `UserEvent: FaxResult`, raised by the dialplan once per outgoing attempt (SPEC §7).
    case faxResult(FaxResultEvent)
    /// `UserEvent: FaxReceived`, raised by the dialplan once per inbound call (SPEC §10).
    case faxReceived(FaxReceivedEvent)
    /// Any other `UserEvent`, by its name.
    case userEvent(name: String)
    /// `DBGetResponse`: the value a `DBGet` asked for.
    case databaseValue(actionID: String?, value: String)
    /// `DBGetTreeResponse`: one entry of a `DBGetTree`; `key` may be the full `/family/key` path.
    case databaseTreeEntry(actionID: String?, key: String?, value: String)
    /// `DBGetTreeComplete`: the last of a `DBGetTree`'s events.
    case databaseTreeComplete(actionID: String?)
    case deviceStateChange(device: String?, state: String?)
    case other(name: String)

    /// The event a message carries; nil for a response (no `Event:` header).
    public init?(_ message: AMIMessage) {
        guard let name = message.event else { return nil }
        switch name.lowercased() {
        case "fullybooted": self = .fullyBooted
        case "originateresponse": self = .originateResponse(OriginateResponseEvent(message))
        case "newchannel": self = .newChannel(uniqueID: message["Uniqueid"], channel: message["Channel"])
        case "hangup": self = .hangup(uniqueID: message["Uniqueid"], cause: message["Cause"].flatMap { Int($0) })
        case "userevent":
            if let received = FaxReceivedEvent(message) {
                self = .faxReceived(received)
            } else if let result = FaxResultEvent(message) {
                self = .faxResult(result)
            } else {
                // The dialplan's name is the last `UserEvent:` header (see `userEventBody`).
                self = .userEvent(name: message.values("UserEvent").last ?? "")
            }
        case "dbgetresponse": self = .databaseValue(actionID: message.actionID, value: message["Val"] ?? "")
        case "dbgettreeresponse":
            self = .databaseTreeEntry(actionID: message.actionID, key: message["Key"], value: message["Val"] ?? "")
        case "dbgettreecomplete": self = .databaseTreeComplete(actionID: message.actionID)
        case "devicestatechange": self = .deviceStateChange(device: message["Device"], state: message["State"])
        default: self = .other(name: name)
        }
    }
}

/// `Event: OriginateResponse`. It carries a `Response:` header of its own (`Success` or
/// `Failure`), which says whether the call was answered, not whether the action was taken.
public struct OriginateResponseEvent: Sendable, Equatable {
    /// The Originate's ActionID.
    public var actionID: String?
    public var answered: Bool
    /// Asterisk's `AST_CONTROL_*` reason (e.g. 4 answered, 5 busy, 3 no answer, 8 congestion).
    public var reason: Int?
    /// The `;1` channel's Uniqueid; nil when Asterisk had none (`<unknown>`).
    public var uniqueID: String?
    public var channel: String?

    public init(_ message: AMIMessage) {
        actionID = message.actionID
        answered = message["Response"]?.caseInsensitiveEquals("Success") == true
        reason = message["Reason"].flatMap { Int($0) }
        let uniqueID = message["Uniqueid"]
        self.uniqueID = uniqueID == "<unknown>" ? nil : uniqueID
        channel = message["Channel"]
    }
}
