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

    mutating func hangupMessage(_ callID: String, now: Instant) -> Action {
        let call = calls[callID]!
        let id = nextActionID("hangup-\(callID)")
        pending[id] = .hangup(callID: callID)
        return send(.hangup(channel: call.channelName ?? call.originate.channelID), id: id, now: now)
    }

    mutating func askDatabase(_ callID: String, now: Instant) -> Action {
        let id = nextActionID("dbget-\(callID)")
        pending[id] = .databaseGet(callID: callID)
        return send(.databaseGet(family: StoredResult.family, key: callID), id: id, now: now)
    }

    mutating func askStatus(_ callID: String, now: Instant) -> Action {
        let call = calls[callID]!
        let id = nextActionID("status-\(callID)")
        pending[id] = .status(callID: callID)
        return send(.status(channel: call.channelName ?? call.originate.channelID), id: id, now: now)
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
