/// Received faxes (SPEC §10). Each inbound call's hang-up handler keeps a copy of its
/// result in AstDB (`FaxDropRx/<receive id>`) before raising `FaxReceived`. After every
/// login the machine asks for the whole family (`DBGetTree`), so receives that ended while
/// FaxDrop was not connected are landed too; once landed, a copy is deleted (`DBDel`).
extension AMISessionStateMachine {
    mutating func askReceiveTree(now: Instant) -> Action {
        let id = nextActionID("rxtree")
        pending[id] = .receiveTree
        return send(.databaseTree(family: FaxReceivedEvent.databaseFamily), id: id, now: now)
    }

    /// One copy per `DBGetTreeResponse` (its `Key` may be the full `/FaxDropRx/<id>` path);
    /// `DBGetTreeComplete` ends the list.
    mutating func receiveTreeComplete(actionID: String?) -> [Action] {
        guard let id = actionID, pending[id] == .receiveTree else { return [] }
        pending[id] = nil
        defer { receiveTreeKeys = [] }
        return [.storedReceivesRead(receiveTreeKeys)]
    }

    mutating func receiveTreeEntry(actionID: String?, key: String?, value: String) -> [Action] {
        guard let id = actionID, pending[id] == .receiveTree else { return [] }
        var received = FaxReceivedEvent(stored: value)
        if received.receiveID == nil, let key {
            received.receiveID = key.split(separator: "/").last.map(String.init)
        }
        guard let receiveID = received.receiveID else { return [] }
        receiveTreeKeys.insert(receiveID)
        return [.faxReceived(received)]
    }

    /// The receive is landed (PDF and sidecar durable): delete its AstDB copy now, or after
    /// the next login when AMI is down.
    public mutating func forgetReceive(receiveID: String, now: Instant) -> [Action] {
        receivesToDelete.insert(receiveID)
        return deleteLandedReceives(now: now)
    }

    mutating func deleteLandedReceives(now: Instant) -> [Action] {
        deleteFromDatabase(
            family: FaxReceivedEvent.databaseFamily, keys: receivesToDelete.sorted(), prefix: { _ in "rxdel" },
            expecting: { .receiveDelete(receiveID: $0) }, now: now)
    }
}
