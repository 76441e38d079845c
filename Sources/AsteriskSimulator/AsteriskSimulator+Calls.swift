import FaxDropAMI
import FaxDropCore
import Foundation
import NIOCore

extension AsteriskSimulator {
    // MARK: Originate

    func originate(_ message: AMIMessage, session: ObjectIdentifier) {
        guard let channel = message["Channel"], !channel.isEmpty else {
            return reply(session, message, ["Response": "Error", "Message": "Channel not specified"])
        }
        guard channel.hasPrefix("Local/"), let at = channel.firstIndex(of: "@") else {
            return reply(session, message, ["Response": "Error", "Message": "Invalid channel"])
        }
        guard message["Context"] == options.sendContext, message["Exten"] == "s" else {
            return reply(session, message, ["Response": "Error", "Message": "Extension does not exist."])
        }
        guard let async = message["Async"]?.lowercased(), ["true", "yes", "1", "on", "y", "t"].contains(async) else {
            return reply(session, message, ["Response": "Error", "Message": "Originate failed"])
        }
        if let timeout = message["Timeout"], Int(timeout) == nil {
            return reply(session, message, ["Response": "Error", "Message": "Invalid timeout"])
        }
        let variables = Self.parseVariables(message.values("Variable"))
        recordOriginate(OriginateRecord(message: message, variables: variables))
        reply(session, message, ["Response": "Success", "Message": "Originate successfully queued"])

        let number = String(channel[channel.index(channel.startIndex, offsetBy: 6)..<at])
        let context = channel[channel.index(after: at)...].split(separator: "/").first.map(String.init) ?? ""
        let channelID = message["ChannelId"]
        let key = variables["FAXDROP_CALL"] ?? message.actionID ?? channelID ?? nextUniqueID()
        let live = calls.values.contains { $0.uniqueID1 == channelID }
        guard context == options.outboundContext, !live, calls[key] == nil else {
            // No such Local extension, or a live channel already uses the ChannelId:
            // OriginateResponse Failure reason 0, before any channel event.
            broadcast(
                originateResponse(
                    actionID: message.actionID, success: false, channel: channel, reason: 0,
                    uniqueID: channelID ?? "<unknown>", callerID: message["CallerID"]), class: "call")
            return
        }
        let suffix = nextChannelSuffix()
        let call = Call(
            key: key, number: number, scenario: Scenario.forNumber(number), actionID: message.actionID,
            requestedChannel: channel, uniqueID1: channelID ?? nextUniqueID(),
            uniqueID2: message["OtherChannelId"] ?? channelID.map { "\($0);2" } ?? nextUniqueID(),
            name1: "Local/\(number)@\(context)-\(suffix);1", name2: "Local/\(number)@\(context)-\(suffix);2",
            variables: variables, timeout: Double(message["Timeout"].flatMap { Int($0) } ?? 30000) / 1000,
            callerID: message["CallerID"] ?? "", generation: currentGeneration)
        calls[key] = call
        Task { await self.run(key, generation: call.generation) }
    }

    /// `Variable:` values split on commas outside quotes; `name=value` items; the first
    /// occurrence of a name wins (AMI-REFERENCE §2.1).
    static func parseVariables(_ headers: [String]) -> [String: String] {
        var result: [String: String] = [:]
        for header in headers {
            var items: [String] = []
            var current = ""
            var quoted = false
            var escaped = false
            for ch in header {
                if escaped {
                    current.append(ch)
                    escaped = false
                    continue
                }
                switch ch {
                case "\\": escaped = true
                case "\"": quoted.toggle()
                case "," where !quoted:
                    items.append(current)
                    current = ""
                default: current.append(ch)
                }
            }
            items.append(current)
            for item in items {
                guard let eq = item.firstIndex(of: "=") else { continue }
                let name = String(item[..<eq])
                if result[name] == nil { result[name] = String(item[item.index(after: eq)...]) }
            }
        }
        return result
    }

    // MARK: The call script

    private func alive(_ key: String, _ generation: Int) -> Bool {
        calls[key]?.generation == generation && currentGeneration == generation
    }

    func run(_ key: String, generation: Int) async {
        guard let call = calls[key] else { return }
        broadcast(
            event(
                "Newchannel", "call",
                snapshot(call, half: 1, state: 0, context: options.outboundContext, exten: call.number)), class: "call")
        broadcast(
            event(
                "Newchannel", "call",
                snapshot(call, half: 2, state: 4, context: options.outboundContext, exten: call.number)), class: "call")
        var dialBegin = snapshot(
            call, half: 1, state: 0, context: options.outboundContext, exten: call.number, prefix: "Dest")
        dialBegin.append(.init("DialString", "\(call.number)@\(options.outboundContext)"))
        broadcast(event("DialBegin", "call", dialBegin), class: "call")

        // Without the channel driver Dial() fails at once: "No channel type registered for
        // 'PJSIP'", cause 66 (AST_CAUSE_NOSUCHDRIVER), DIALSTATUS CHANUNAVAIL, then Congestion().
        if let failure = channelDriverLoaded ? call.scenario.dialFailure : ("CHANUNAVAIL", 66, 8) {
            await sleep(seconds: call.scenario == .noAnswer && channelDriverLoaded ? call.timeout : 0.2)
            guard alive(key, generation), let call = calls[key] else { return }
            calls[key] = nil
            dialFailed(call, failure)
            return
        }

        await sleep(seconds: min(options.ringSeconds, call.timeout))
        guard alive(key, generation) else { return }
        calls[key]?.answered = true
        guard let answered = calls[key] else { return }
        broadcast(
            event(
                "Newstate", "call",
                snapshot(answered, half: 2, state: 6, context: options.outboundContext, exten: answered.number)),
            class: "call")
        broadcast(
            event(
                "Newstate", "call",
                snapshot(answered, half: 1, state: 6, context: options.outboundContext, exten: answered.number)),
            class: "call")
        var dialEnd = snapshot(
            answered, half: 1, state: 6, context: options.outboundContext, exten: answered.number, prefix: "Dest")
        dialEnd.append(.init("DialStatus", "ANSWER"))
        broadcast(event("DialEnd", "call", dialEnd), class: "call")

        // SendFAX checks the file before anything else; the result can then reach AMI
        // before OriginateResponse (AMI-REFERENCE §1.6, fax_missing).
        let file = localPath(answered.variables["FAXFILE"] ?? "")
        guard FileManager.default.isReadableFile(atPath: file) else {
            calls[key] = nil
            broadcast(softHangupRequest(answered, half: 1, cause: 16), class: "call")
            report(
                answered, stage: "fax", status: "FAILED", error: "FILE_ERROR", statusString: "error reading file",
                pages: 0, cause: 0, mode: "audio", bitRate: nil, resolution: nil, remote: nil)
            broadcast(
                originateResponse(
                    actionID: answered.actionID, success: true, channel: answered.name1, reason: 4,
                    uniqueID: answered.uniqueID1, callerID: answered.callerID), class: "call")
            hangups(answered, cause1: 0, cause2: 16)
            return
        }
        broadcast(
            originateResponse(
                actionID: answered.actionID, success: true, channel: answered.name1, reason: 4,
                uniqueID: answered.uniqueID1, callerID: answered.callerID), class: "call")

        await sleep(seconds: 1)  // Wait(1) in [faxsend]
        guard alive(key, generation) else { return }
        if answered.scenario == .hang { return }
        if answered.scenario == .negotiationFailure {
            await sleep(seconds: 15.5)  // CNG while waiting for the far end's T.38 re-INVITE, then our own
            guard alive(key, generation), let call = calls[key] else { return }
            calls[key] = nil
            broadcast(softHangupRequest(call, half: 1, cause: 16), class: "call")
            report(
                call, stage: "fax", status: "FAILED", error: "T38_NEG_ERROR", statusString: "error negotiating T.38",
                pages: 0, cause: 16, mode: "audio", bitRate: nil, resolution: nil, remote: nil)
            hangups(call, cause1: 16, cause2: 16)
            return
        }

        calls[key]?.faxStarted = true
        await sleep(seconds: 3)  // T.38 re-INVITE, DIS received: now spandsp opens the TIFF
        guard alive(key, generation) else { return }
        let check = SpandspCheck.check(file)
        var pagesToSend = check.goodPages
        var failure = check.failure
        if answered.scenario == .dropAfterFirstPage && pagesToSend > 1 {
            // As the loopback backend's 0488: the far end hangs up once page 1 of several
            // is confirmed (a one-page fax goes through).
            pagesToSend = 1
            failure = "The call dropped prematurely"
        }
        for page in stride(from: 1, through: pagesToSend, by: 1) {
            await sleep(seconds: options.pageSeconds)
            guard alive(key, generation) else { return }
            calls[key]?.pagesSent = page
        }
        guard let done = calls[key] else { return }
        calls[key] = nil
        emitFaxEnd(done, failure: failure, resolution: check.resolution)
    }

    /// The far end hung up (after EOP, or mid-page): SendFAX ends, the hangup handler reports.
    func emitFaxEnd(_ call: Call, failure: String?, resolution: String) {
        broadcast(hangupRequest(call, half: 1, cause: 16), class: "call")
        var sendFax = snapshot(call, half: 1, state: 6, context: options.sendContext, exten: "s", priority: 6)
        sendFax += [
            .init("LocalStationID", PercentEncoding.decode(call.variables["FAXDROP_STATION"] ?? "")),
            .init("RemoteStationID", options.remoteStationID), .init("PagesTransferred", "\(call.pagesSent)"),
            .init("Resolution", resolution), .init("TransferRate", "14400"),
            .init("FileName", call.variables["FAXFILE"] ?? ""),
        ]
        broadcast(event("SendFAX", "call", sendFax), class: "call")
        broadcast(softHangupRequest(call, half: 1, cause: 16), class: "call")
        if let failure {
            report(
                call, stage: "fax", status: "FAILED", error: failure, statusString: failure, pages: call.pagesSent,
                cause: 16, mode: "T38", bitRate: 14400, resolution: resolution,
                remote: failure.hasPrefix("TIFF") || call.pagesSent > 0 ? options.remoteStationID : nil)
        } else {
            report(
                call, stage: "fax", status: "SUCCESS", error: "HANGUP", statusString: "OK", pages: call.pagesSent,
                cause: 16, mode: "T38", bitRate: 14400, resolution: resolution, remote: options.remoteStationID)
        }
        hangups(call, cause1: 16, cause2: 16)
    }

    /// The orders seen in the busy, congestion and no_answer captures.
    func dialFailed(_ call: Call, _ failure: (dialStatus: String, cause: Int, reason: Int)) {
        var dialEnd = snapshot(
            call, half: 1, state: 0, context: options.outboundContext, exten: call.number, prefix: "Dest")
        dialEnd.append(.init("DialStatus", failure.dialStatus == "CHANUNAVAIL" ? "CONGESTION" : failure.dialStatus))
        let response = originateResponse(
            actionID: call.actionID, success: false, channel: call.requestedChannel, reason: failure.reason,
            uniqueID: call.uniqueID1, callerID: call.callerID)
        switch channelDriverLoaded ? call.scenario : .channelUnavailable {
        case .noAnswer:
            broadcast(event("DialEnd", "call", dialEnd), class: "call")
            broadcast(hangupRequest(call, half: 1, cause: 19), class: "call")
            report(
                call, stage: "dial", status: "FAILED", error: failure.dialStatus,
                statusString: "call not answered (\(failure.dialStatus))", pages: 0, cause: failure.cause,
                mode: "none", bitRate: nil, resolution: nil, remote: nil)
            broadcast(response, class: "call")
            hangups(call, cause1: 19, cause2: 19)
        case .busy:
            broadcast(event("DialEnd", "call", dialEnd), class: "call")
            broadcast(hangupRequest(call, half: 2, cause: 0), class: "call")
            broadcast(response, class: "call")
            broadcast(hangup(call, half: 1, cause: 0), class: "call")
            report(
                call, stage: "dial", status: "FAILED", error: failure.dialStatus,
                statusString: "call not answered (\(failure.dialStatus))", pages: 0, cause: failure.cause,
                mode: "none", bitRate: nil, resolution: nil, remote: nil)
            broadcast(hangup(call, half: 2, cause: failure.cause), class: "call")
        default:
            broadcast(response, class: "call")
            broadcast(event("DialEnd", "call", dialEnd), class: "call")
            broadcast(hangupRequest(call, half: 2, cause: 0), class: "call")
            broadcast(hangup(call, half: 1, cause: 0), class: "call")
            report(
                call, stage: "dial", status: "FAILED", error: failure.dialStatus,
                statusString: "call not answered (\(failure.dialStatus))", pages: 0, cause: failure.cause,
                mode: "none", bitRate: nil, resolution: nil, remote: nil)
            broadcast(
                hangup(call, half: 2, cause: [1, 21, 66].contains(failure.cause) ? 34 : failure.cause),
                class: "call")
        }
    }

    // MARK: Other actions

    func findCall(_ channel: String) -> String? {
        calls.first { _, c in [c.name1, c.name2, c.uniqueID1, c.uniqueID2].contains(channel) }?.key
    }

    func hangup(_ message: AMIMessage, session: ObjectIdentifier) {
        let name = message["Channel"] ?? ""
        recordHangupRequest(name)
        guard let key = findCall(name), let call = calls[key] else {
            return reply(session, message, ["Response": "Error", "Message": "No such channel"])
        }
        reply(session, message, ["Response": "Success", "Message": "Channel Hungup"])
        calls[key] = nil
        broadcast(softHangupRequest(call, half: 1, cause: 16), class: "call")
        if call.answered {
            if call.faxStarted {
                emitFaxEnd(call, failure: "The call dropped prematurely", resolution: "8031x7700")
            } else {
                report(
                    call, stage: "fax", status: "FAILED", error: "HANGUP", statusString: "remote channel hungup",
                    pages: 0, cause: 16, mode: "audio", bitRate: nil, resolution: nil, remote: nil)
                hangups(call, cause1: 16, cause2: 16)
            }
        } else {
            report(
                call, stage: "dial", status: "FAILED", error: "CANCEL", statusString: "call not answered (CANCEL)",
                pages: 0, cause: 16, mode: "none", bitRate: nil, resolution: nil, remote: nil)
            broadcast(
                originateResponse(
                    actionID: call.actionID, success: false, channel: call.requestedChannel,
                    reason: 0, uniqueID: call.uniqueID1, callerID: call.callerID), class: "call")
            hangups(call, cause1: 16, cause2: 16)
        }
    }

    func status(_ message: AMIMessage, session: ObjectIdentifier) {
        let wanted = message["Channel"].flatMap { $0.isEmpty ? nil : $0 }
        let matching = calls.values.filter {
            wanted == nil || [$0.name1, $0.uniqueID1, $0.name2, $0.uniqueID2].contains(wanted!)
        }
        if wanted != nil && matching.isEmpty {
            return reply(session, message, ["Response": "Error", "Message": "No such channel"])
        }
        reply(session, message, ["Response": "Success", "EventList": "start", "Message": "Channel status will follow"])
        guard let channel = sessionChannel(session) else { return }
        var items = 0
        for call in matching.sorted(by: { $0.key < $1.key }) {
            var m = event(
                "Status", "call",
                snapshot(call, half: 1, state: call.answered ? 6 : 0, context: options.sendContext, exten: "s"))
            if let id = message.actionID { m.append("ActionID", id) }
            write(m.encoded, to: channel)
            items += 1
        }
        endEventList(message, "StatusComplete", items: items, on: channel)
    }

    func coreShowChannels(_ message: AMIMessage, session: ObjectIdentifier) {
        reply(session, message, ["Response": "Success", "EventList": "start", "Message": "Channels will follow"])
        guard let channel = sessionChannel(session) else { return }
        var items = 0
        for call in calls.values.sorted(by: { $0.key < $1.key }) {
            for half in [1, 2] {
                var m = AMIMessage(["Event": "CoreShowChannel"])
                if let id = message.actionID { m.append("ActionID", id) }
                m.headers += snapshot(
                    call, half: half, state: call.answered ? 6 : 4, context: options.outboundContext, exten: call.number
                )
                write(m.encoded, to: channel)
                items += 1
            }
        }
        endEventList(message, "CoreShowChannelsComplete", items: items, on: channel)
    }

    func databaseGet(_ message: AMIMessage, session: ObjectIdentifier) {
        let family = message["Family"] ?? ""
        let key = message["Key"] ?? ""
        guard let value = database["\(family)/\(key)"] else {
            return reply(session, message, ["Response": "Error", "Message": "Database entry not found"])
        }
        reply(session, message, ["Response": "Success", "EventList": "start", "Message": "Result will follow"])
        guard let channel = sessionChannel(session) else { return }
        var m = AMIMessage(["Event": "DBGetResponse", "Family": family, "Key": key, "Val": value])
        if let id = message.actionID { m.append("ActionID", id) }
        write(m.encoded, to: channel)
        endEventList(message, "DBGetComplete", items: 1, on: channel)
    }

    func localPath(_ path: String) -> String {
        guard let mapping = options.spoolMapping, path.hasPrefix(mapping.asterisk) else { return path }
        return mapping.local + path.dropFirst(mapping.asterisk.count)
    }
}
