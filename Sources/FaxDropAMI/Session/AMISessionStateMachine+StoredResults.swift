/// The AstDB copy of a result (`FaxDrop/<call id>`, written by the dialplan's
/// `[faxdrop-report]`) is only needed until FaxDrop's journal holds the result; then it is
/// deleted with `DBDel`, after `Settings.storedResultRetention`, whenever AMI is up.
extension AMISessionStateMachine {
    /// The journal holds this call's result: schedule the deletion of its AstDB copy.
    public mutating func forgetStoredResult(callID: String, now: Instant) -> [Action] {
        storedResultsToDelete[callID] = now + settings.storedResultRetention
        return deleteDueStoredResults(now: now)
    }

    /// `DBDel` for every copy whose time has come and that is not being deleted already.
    mutating func deleteDueStoredResults(now: Instant) -> [Action] {
        guard state == .ready else { return [] }
        var asked = Set<String>()
        for case .databaseDelete(let callID) in pending.values { asked.insert(callID) }
        var actions: [Action] = []
        for (callID, due) in storedResultsToDelete.sorted(by: { $0.key < $1.key })
        where due <= now && !asked.contains(callID) {
            let id = nextActionID("dbdel-\(callID)")
            pending[id] = .databaseDelete(callID: callID)
            actions.append(send(.databaseDelete(family: StoredResult.family, key: callID), id: id, now: now))
        }
        return actions
    }
}
