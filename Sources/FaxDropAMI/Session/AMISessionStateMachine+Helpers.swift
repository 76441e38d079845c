import FaxDropCore

extension AMISessionStateMachine {
    // MARK: Helpers

    var unavailableMessage: String {
        switch state {
        case .authenticationFailed(let reason): return "Asterisk refused the AMI login: \(reason)"
        default: return "Asterisk (AMI) is not connected"
        }
    }

    mutating func nextActionID(_ prefix: String) -> String {
        sequence += 1
        return "\(prefix)-\(sequence)"
    }

    mutating func send(_ message: AMIMessage, now: Instant) -> Action {
        lastSent = now
        return .send(message)
    }

    mutating func send(_ action: AMIAction, id: String, now: Instant) -> Action {
        send(action.message(actionID: id), now: now)
    }

    /// Sends `action` under a new ActionID `<prefix>-<n>`, whose response will mean `expecting`.
    mutating func ask(_ action: AMIAction, prefix: String, expecting: PendingAction, now: Instant) -> Action {
        let id = nextActionID(prefix)
        pending[id] = expecting
        return send(action, id: id, now: now)
    }

    mutating func hangupMessage(_ callID: String, now: Instant) -> Action {
        let call = calls[callID]!
        return ask(
            .hangup(channel: call.channelName ?? call.originate.channelID), prefix: "hangup-\(callID)",
            expecting: .hangup(callID: callID), now: now)
    }

    mutating func askDatabase(_ callID: String, now: Instant) -> Action {
        ask(
            .databaseGet(family: StoredResult.family, key: callID), prefix: "dbget-\(callID)",
            expecting: .databaseGet(callID: callID), now: now)
    }

    mutating func askStatus(_ callID: String, now: Instant) -> Action {
        let call = calls[callID]!
        return ask(
            .status(channel: call.channelName ?? call.originate.channelID), prefix: "status-\(callID)",
            expecting: .status(callID: callID), now: now)
    }

    /// `DBDel <family>/<key>` for each of `keys` that no outstanding action is deleting already
    /// (`expecting(key)` is what its response means), while AMI is up.
    mutating func deleteFromDatabase(
        family: String, keys: [String], prefix: (String) -> String, expecting: (String) -> PendingAction, now: Instant
    ) -> [Action] {
        guard state == .ready else { return [] }
        // A set: with many results waiting for deletion (a node back after an outage) a scan
        // of `pending` per key made each call quadratic.
        let asked = Set(pending.values)
        return keys.filter { !asked.contains(expecting($0)) }.map { key in
            ask(.databaseDelete(family: family, key: key), prefix: prefix(key), expecting: expecting(key), now: now)
        }
    }

    /// The response to an action about one call (`Originate`, `Status`): on success `accepted`
    /// updates the call; on an error the call ends with `refused(its details)`. Nothing for a
    /// call no longer tracked.
    mutating func callActionAnswered(
        _ callID: String, success: Bool, accepted: (inout TrackedCall) -> Void,
        refused: (CallDetails) -> CallResult
    ) -> [Action] {
        guard let call = calls[callID] else { return [] }
        if success {
            accepted(&calls[callID]!)
            return []
        }
        return [finish(callID, refused(details(of: call)))]
    }

    mutating func finish(_ callID: String, _ result: CallResult) -> Action {
        calls[callID] = nil
        pending = pending.filter { _, action in
            switch action {
            case .originate(let id), .hangup(let id), .databaseGet(let id), .status(let id): return id != callID
            default: return true
            }
        }
        return .complete(callID: callID, result: result)
    }

    func details(of call: TrackedCall) -> CallDetails {
        CallDetails(
            hangupCause: call.hangupCause, dialStatus: call.answered ? "ANSWER" : nil,
            channelUniqueID: call.originate.channelID, endedIn: call.answered ? "fax" : "dial")
    }

    /// Asterisk no longer knows a call that was in flight while FaxDrop was not connected, and
    /// AstDB holds no result for it.
    static func lostWhileDisconnected(_ details: CallDetails) -> CallResult {
        CallResult(
            status: .failed(.interrupted), pagesSent: 0,
            message: "the call ended while FaxDrop was not connected to Asterisk, without a recorded result",
            details: details)
    }

    /// No FaxResult came (a dialplan without FaxDrop's hang-up handler): decide from the
    /// OriginateResponse and the Hangup cause.
    func fallbackResult(_ call: TrackedCall) -> CallResult {
        if call.answered {
            return CallResult(
                status: .failed(.faxTransferFailed), pagesSent: 0,
                message: "the call ended without a FaxResult event (is FaxDrop's dialplan installed?)",
                details: details(of: call))
        }
        var result = FaxOutcome.resultOfOriginateFailure(
            reason: call.originateReason, hangupCause: call.hangupCause, dialTechnology: dialTechnology)
        result.details.channelUniqueID = call.originate.channelID
        return result
    }
}
