import FaxDropCore
import FaxDropDaemon
import FaxDropIndex

/// The history from the job index (fast at 100,000 jobs); the outbox from the journals, which
/// are the live truth. While the index is not open yet (the daemon opens it in the background)
/// or when a search fails, the spool answers instead.
public struct IndexJobListing: JobListing {
    let spool: SpoolJobListing
    let index: @Sendable () -> JobIndex?

    public init(spool: Spool, index: @escaping @Sendable () -> JobIndex?) {
        self.spool = SpoolJobListing(spool: spool)
        self.index = index
    }

    public func outbox() throws -> [JobIndexRow] { try spool.outbox() }

    public func history(_ query: JobIndexQuery) throws -> JobIndexPage {
        guard let index = index(), let found = try? index.search(query) else { return try spool.history(query) }
        return found
    }
}
