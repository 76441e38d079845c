/// What the AMI connection reports about received faxes, in order.
public enum ReceiveReport: Sendable, Equatable {
    /// A receive's result, from its event or its AstDB copy (possibly more than once).
    case received(FaxReceivedEvent)
    /// After a login, every AstDB copy was read; these are their receive ids. Any copy
    /// reported before this was reported as `.received` first.
    case storedReceivesRead(Set<String>)
}
