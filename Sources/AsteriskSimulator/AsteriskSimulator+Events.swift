import FaxDropAMI
import FaxDropCore
import Foundation
import NIOCore

extension AsteriskSimulator {
    func sessionChannel(_ session: ObjectIdentifier) -> (any Channel)? { sessions[session]?.channel }

    static let stateDescriptions = [
        0: "Down", 1: "Rsrvd", 2: "OffHook", 3: "Dialing", 4: "Ring", 5: "Ringing", 6: "Up", 7: "Busy",
    ]

    func event(_ name: String, _ eventClass: String, _ body: [AMIMessage.Header]) -> AMIMessage {
        AMIMessage([.init("Event", name), .init("Privilege", "\(eventClass),all")] + body)
    }

    /// The channel snapshot block of almost every channel event (AMI-REFERENCE §1.5).
    func snapshot(
        _ call: Call, half: Int, state: Int, context: String, exten: String, priority: Int = 1, prefix: String = ""
    ) -> [AMIMessage.Header] {
        let number = call.callerID.isEmpty ? "<unknown>" : call.callerID
        return [
            .init(prefix + "Channel", half == 1 ? call.name1 : call.name2),
            .init(prefix + "ChannelState", "\(state)"),
            .init(prefix + "ChannelStateDesc", Self.stateDescriptions[state] ?? "Unknown"),
            .init(prefix + "CallerIDNum", half == 1 ? number : "<unknown>"),
            .init(prefix + "CallerIDName", "<unknown>"),
            .init(prefix + "ConnectedLineNum", half == 1 ? "<unknown>" : number),
            .init(prefix + "ConnectedLineName", "<unknown>"),
            .init(prefix + "Language", "en"),
            .init(prefix + "AccountCode", ""),
            .init(prefix + "Context", context),
            .init(prefix + "Exten", exten),
            .init(prefix + "Priority", "\(priority)"),
            .init(prefix + "Uniqueid", half == 1 ? call.uniqueID1 : call.uniqueID2),
            .init(prefix + "Linkedid", call.uniqueID1),
        ]
    }

    func originateResponse(
        actionID: String?, success: Bool, channel: String, reason: Int, uniqueID: String, callerID: String?
    ) -> AMIMessage {
        var m = AMIMessage(["Event": "OriginateResponse", "Privilege": "call,all"])
        if let actionID { m.append("ActionID", actionID) }
        m.append("Response", success ? "Success" : "Failure")
        m.append("Channel", channel)
        m.append("Context", options.sendContext)
        m.append("Exten", "s")
        m.append("Reason", "\(reason)")
        m.append("Uniqueid", uniqueID)
        m.append("CallerIDNum", (callerID?.isEmpty ?? true) ? "<unknown>" : callerID!)
        m.append("CallerIDName", "<unknown>")
        return m
    }

    func hangupRequest(_ call: Call, half: Int, cause: Int) -> AMIMessage {
        event(
            "HangupRequest", "call",
            snapshot(call, half: half, state: 6, context: options.sendContext, exten: "s") + [
                .init("Cause", "\(cause)")
            ])
    }

    func softHangupRequest(_ call: Call, half: Int, cause: Int) -> AMIMessage {
        event(
            "SoftHangupRequest", "call",
            snapshot(call, half: half, state: 6, context: options.sendContext, exten: "s") + [
                .init("Cause", "\(cause)")
            ])
    }

    func hangup(_ call: Call, half: Int, cause: Int) -> AMIMessage {
        event(
            "Hangup", "call",
            snapshot(call, half: half, state: call.answered ? 6 : 0, context: options.sendContext, exten: "s")
                + [.init("Cause", "\(cause)"), .init("Cause-txt", Self.causeText[cause] ?? "Unknown")])
    }

    func hangups(_ call: Call, cause1: Int, cause2: Int) {
        broadcast(hangup(call, half: 1, cause: cause1), class: "call")
        broadcast(hangup(call, half: 2, cause: cause2), class: "call")
    }

    static let causeText = [
        1: "Unallocated (unassigned) number", 16: "Normal Clearing", 17: "User busy", 19: "User alerting, no answer",
        21: "Call Rejected", 27: "Destination out of order", 34: "Circuit/channel congestion",
    ]

    /// The fields of `UserEvent(FaxResult, ...)` in FaxDrop's dialplan, in order (a test
    /// checks `asterisk/etc/asterisk/extensions.conf` raises the same).
    public static let faxResultFields = [
        "JobID", "Attempt", "CallID", "Stage", "Status", "Error", "StatusString", "Pages", "HangupCause", "DialStatus",
        "Mode", "BitRate", "Resolution", "RemoteStationID", "LocalStationID", "Number",
    ]

    /// What `[faxdrop-report]` in extensions.conf does: keep the result in AstDB (once),
    /// then raise `UserEvent(FaxResult, ...)` from the reporting channel (`;2` for the
    /// dial stage, `;1` for the fax stage).
    func report(
        _ call: Call, stage: String, status: String, error: String, statusString: String, pages: Int, cause: Int,
        mode: String, bitRate: Int?, resolution: String?, remote: String?
    ) {
        let dbKey = "\(StoredResult.family)/\(call.key)"
        guard database[dbKey] == nil else { return }
        if options.interleaveForeignEvents { emitForeignEvents(like: call) }
        let station = PercentEncoding.decode(call.variables["FAXDROP_STATION"] ?? "")
        let fields: [(String, String)] = [
            ("JobID", call.variables["FAXDROP_JOB"] ?? call.key),
            ("Attempt", call.variables["FAXDROP_ATTEMPT"] ?? ""),
            ("CallID", call.variables["FAXDROP_CALL"] ?? ""),
            ("Stage", stage),
            ("Status", status),
            ("Error", error),
            ("StatusString", statusString),
            ("Pages", "\(pages)"),
            ("HangupCause", "\(cause)"),
            ("DialStatus", stage == "dial" ? error : "ANSWER"),
            ("Mode", mode),
            ("BitRate", bitRate.map(String.init) ?? ""),
            ("Resolution", resolution ?? ""),
            ("RemoteStationID", remote ?? ""),
            ("LocalStationID", station),
            ("Number", call.number),
        ]
        assert(fields.map(\.0) == Self.faxResultFields)
        database[dbKey] = StoredResult.encode(fields)
        let half = stage == "dial" ? 2 : 1
        var body = snapshot(
            call, half: half, state: half == 1 ? 6 : 0, context: "faxdrop-report", exten: "s", priority: 5)
        body.append(.init("UserEvent", "FaxResult"))
        // As the dialplan: free text URIENCODE()d, LocalStationID as FaxDrop sent it (encoded).
        body += fields.map { name, value in
            if name == "LocalStationID" { return AMIMessage.Header(name, call.variables["FAXDROP_STATION"] ?? "") }
            let encoded = FaxResultEvent.encodedFields.contains(name)
            return AMIMessage.Header(name, encoded ? PercentEncoding.encode(value) : value)
        }
        broadcast(event("UserEvent", "user", body), class: "user")
    }

    /// Events of other calls: another job's result, an earlier attempt of this job, and
    /// channel events with other Uniqueids. A client must ignore all of them.
    func emitForeignEvents(like call: Call) {
        var other = call
        other.key = "01JFOREIGNJOB0000000000000-1"
        other.uniqueID1 = "fax-\(other.key)"
        other.uniqueID2 = "fax-\(other.key);2"
        other.name1 = "Local/+15550009999@faxout-ffff0000;1"
        other.name2 = "Local/+15550009999@faxout-ffff0000;2"
        broadcast(hangup(other, half: 1, cause: 17), class: "call")
        broadcast(
            originateResponse(
                actionID: "fax-\(other.key)", success: false, channel: "Local/+15550009999@faxout",
                reason: 5, uniqueID: other.uniqueID1, callerID: nil), class: "call")
        var foreign = snapshot(other, half: 2, state: 0, context: "faxdrop-report", exten: "s", priority: 5)
        foreign += [
            .init("UserEvent", "FaxResult"), .init("JobID", "01JFOREIGNJOB0000000000000"), .init("Attempt", "1"),
            .init("CallID", other.key), .init("Stage", "dial"), .init("Status", "FAILED"), .init("Error", "BUSY"),
            .init("Pages", "0"), .init("HangupCause", "17"), .init("DialStatus", "BUSY"),
        ]
        broadcast(event("UserEvent", "user", foreign), class: "user")
        if let job = call.variables["FAXDROP_JOB"], let attempt = Int(call.variables["FAXDROP_ATTEMPT"] ?? ""),
            attempt > 1
        {
            var stale = snapshot(other, half: 1, state: 6, context: "faxdrop-report", exten: "s", priority: 5)
            stale += [
                .init("UserEvent", "FaxResult"), .init("JobID", job), .init("Attempt", "\(attempt - 1)"),
                .init("CallID", "\(job)-\(attempt - 1)"), .init("Stage", "fax"), .init("Status", "SUCCESS"),
                .init("Error", "HANGUP"), .init("Pages", "99"), .init("HangupCause", "16"),
            ]
            broadcast(event("UserEvent", "user", stale), class: "user")
        }
    }
}
