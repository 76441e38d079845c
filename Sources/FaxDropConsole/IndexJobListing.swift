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

    public func outbox() throws -> [ConsoleJobRow] { try spool.outbox() }

    public func history(_ query: HistoryQuery) throws -> HistoryPage {
        guard let index = index() else { return try spool.history(query) }
        let found: JobIndexPage
        do {
            found = try index.search(
                JobIndexQuery(
                    states: query.states, number: query.number, text: query.text, errorCode: query.errorCode,
                    from: query.from,
                    to: query.to, page: query.page, perPage: query.perPage))
        } catch {
            return try spool.history(query)
        }
        return HistoryPage(
            rows: found.rows.map(ConsoleJobRow.init), total: found.total, page: found.page, perPage: found.perPage)
    }
}

extension ConsoleJobRow {
    init(_ r: JobIndexRow) {
        self.init(
            id: r.id, destination: r.destination, originalName: r.originalName, state: r.state, errorCode: r.errorCode,
            errorMessage: r.errorMessage, pagesTotal: r.pagesTotal, pagesSent: r.pagesSent, attempts: r.attempts,
            queuedAt: r.queuedAt, completedAt: r.completedAt, notBefore: r.notBefore)
    }
}
