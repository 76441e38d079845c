import FaxDropCore

/// Responses (matched by ActionID) and events (matched by call) from Asterisk.
extension AMISessionStateMachine {
    // MARK: Responses

    mutating func handleResponse(_ response: AMIResponse, now: Instant) -> [Action] {
        guard let id = response.actionID, let action = pending.removeValue(forKey: id) else { return [] }
        let success = response.isSuccess
        let text = response.text
        switch action {
        case .login:
            if success {
                state = .ready
                var actions: [Action] = [.ready(banner: banner ?? "")]
                for callID in calls.keys.sorted() where calls[callID]?.needsReconcile == true {
                    actions.append(askDatabase(callID, now: now))
                }
                if settings.checkModules { actions.append(askDialTechnology(now: now)) }
                if settings.reconcileReceives { actions.append(askReceiveTree(now: now)) }
                actions += deleteLandedReceives(now: now)
                return actions
            }
            let reason = text.isEmpty ? "login refused" : text
            state = .authenticationFailed(reason)
            return [
                .authenticationFailed(message: "AMI login as '\(settings.username)' refused: \(reason)"),
                .close(reason: "login refused"),
            ]
        case .ping:
            pingSentAt = nil
            return []
        case .originate(let callID):
            return callActionAnswered(
                callID, success: success, accepted: { $0.originateQueued = true },
                refused: { _ in
                    CallResult(
                        status: .failed(.internalError), pagesSent: 0,
                        message: "Asterisk refused the Originate: \(text.isEmpty ? "error" : text)")
                })
        case .hangup:
            return []
        case .dialTechnology:
            return dialTechnologyAnswered(response, now: now)
        case .moduleCheck(let module):
            return moduleCheckAnswered(module, ModuleCheckResponse(response))
        case .receiveTree:
            // The copies follow as DBGetTreeResponse events; an Asterisk without DBGetTree
            // (or an empty family: "Database entry not found") answers an error: nothing to do.
            if success {
                pending[id] = .receiveTree
                receiveTreeKeys = []
                return []
            }
            // An empty family is "Database entry not found" (main/manager.c); anything else
            // (an Asterisk without DBGetTree, no permission) tells nothing.
            return text == "Database entry not found" ? [.storedReceivesRead([])] : []
        case .receiveDelete(let receiveID):
            receivesToDelete.remove(receiveID)
            return []
        case .databaseDelete(let callID):
            // Deleted, or nothing to delete ("Database entry not deleted"): done either way.
            storedResultsToDelete[callID] = nil
            return []
        case .databaseGet(let callID):
            guard calls[callID] != nil else { return [] }
            if success {
                // The value follows as a DBGetResponse event with this ActionID.
                pending[id] = .databaseGet(callID: callID)
                return []
            }
            return [askStatus(callID, now: now)]
        case .status(let callID):
            return callActionAnswered(
                callID, success: success, accepted: { $0.needsReconcile = false }, refused: Self.lostWhileDisconnected)
        }
    }

    // MARK: Events

    mutating func handleEvent(_ event: AMIEvent, now: Instant) -> [Action] {
        switch event {
        case .faxReceived(let received):
            return [.faxReceived(received)]
        case .faxResult(var result):
            guard let callID = matchingCall(result), let call = calls[callID] else { return [] }
            // Name the call by its ;1 channel even when ;2 raised the event (dial stage).
            if result.uniqueID.map({ !call.uniqueIDs.contains($0) }) ?? true {
                result.uniqueID = call.uniqueIDs.first { $0 != call.originate.channelID } ?? call.originate.channelID
            }
            var outcome = FaxOutcome.result(
                of: result, channelHangupCause: call.hangupCause, dialTechnology: dialTechnology)
            if let terminating = call.terminating, outcome.status != .sent {
                // Hung up by FaxDrop: that is why it ended; keep what Asterisk reported.
                outcome.status = .failed(terminating.code)
                outcome.message = "\(terminating.message) (Asterisk: \(outcome.message))"
            }
            return [finish(callID, outcome)]
        case .originateResponse(let response):
            guard let id = response.actionID,
                let callID = calls.first(where: { $0.value.originate.actionID == id })?.key
            else { return [] }
            calls[callID]?.originateReason = response.reason
            calls[callID]?.originateQueued = true
            if response.answered {
                calls[callID]?.answered = true
                if let uid = response.uniqueID { calls[callID]?.uniqueIDs.insert(uid) }
                if let channel = response.channel { calls[callID]?.channelName = channel }
            } else if calls[callID]?.endedAt == nil {
                calls[callID]?.endedAt = now
            }
            return []
        case .newChannel(let uniqueID, let channel):
            if let uid = uniqueID, let callID = callOwning(uniqueID: uid) {
                calls[callID]?.channelName = channel
            }
            return []
        case .hangup(let uniqueID, let cause):
            if let uid = uniqueID, let callID = callOwning(uniqueID: uid) {
                calls[callID]?.hangupCause = cause
                if calls[callID]?.endedAt == nil { calls[callID]?.endedAt = now }
            }
            return []
        case .databaseTreeEntry(let actionID, let key, let value):
            return receiveTreeEntry(actionID: actionID, key: key, value: value)
        case .databaseTreeComplete(let actionID):
            return receiveTreeComplete(actionID: actionID)
        case .databaseValue(let actionID, let value):
            guard let id = actionID, case .databaseGet(let callID)? = pending.removeValue(forKey: id),
                calls[callID] != nil
            else { return [] }
            let fields = StoredResult.parse(value)
            var result = FaxResultEvent(fields: { fields[$0] })
            result.uniqueID = calls[callID]?.originate.channelID
            guard result.status != nil else { return [askStatus(callID, now: now)] }
            return [
                finish(
                    callID,
                    FaxOutcome.result(
                        of: result, channelHangupCause: calls[callID]?.hangupCause, dialTechnology: dialTechnology))
            ]
        case .fullyBooted, .userEvent, .deviceStateChange, .other:
            return []
        }
    }

    /// The call a FaxResult belongs to: by `CallID` when the dialplan sends it, else by
    /// job (and attempt). Results of other jobs, or of an earlier attempt, match nothing.
    func matchingCall(_ result: FaxResultEvent) -> String? {
        if let callID = result.callID { return calls[callID] != nil ? callID : nil }
        guard let jobID = result.jobID else { return nil }
        return calls.first { _, call in
            call.jobID == jobID && (result.attempt == nil || result.attempt == call.attempt)
        }?.key
    }

    func callOwning(uniqueID: String) -> String? {
        calls.first { $0.value.uniqueIDs.contains(uniqueID) }?.key
    }
}
