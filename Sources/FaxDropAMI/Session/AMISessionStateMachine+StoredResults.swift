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
        deleteFromDatabase(
            family: StoredResult.family, keys: storedResultsToDelete.filter { $0.value <= now }.keys.sorted(),
            prefix: { "dbdel-\($0)" }, expecting: { .databaseDelete(callID: $0) }, now: now)
    }
}
