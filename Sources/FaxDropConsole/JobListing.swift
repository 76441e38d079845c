import FaxDropCore
import FaxDropDaemon
import FaxDropIndex
import FaxDropSystem
import Foundation

/// Where the console's lists come from: the job index once it is open, the spool otherwise.
/// Both answer in the index's shapes (`JobIndexRow`, `JobIndexQuery`, `JobIndexPage`).
public protocol JobListing: Sendable {
    /// Queued and active jobs, newest first.
    func outbox() throws -> [JobIndexRow]
    /// Sent and failed jobs matching `query`, newest first.
    func history(_ query: JobIndexQuery) throws -> JobIndexPage
}

/// Lists read straight from the spool: journals for the outbox (always: they are the live
/// truth), sidecars for the history (every sidecar decoded: fine for a small office; the job
/// index answers large spools).
public struct SpoolJobListing: JobListing {
    public let spool: Spool

    public init(spool: Spool) { self.spool = spool }

    public func outbox() throws -> [JobIndexRow] {
        let records = try JournalStore(spool: spool).scan().compactMap(\.record).filter { !$0.state.isFinal }
        let now = Date()
        return records.map { JobIndexRow($0, now: now) }.sorted { ($0.queuedAt, $0.id) > ($1.queuedAt, $1.id) }
    }

    public func history(_ query: JobIndexQuery) throws -> JobIndexPage {
        var rows: [JobIndexRow] = []
        for folder in [spool.done, spool.failed] {
            for name in (try? Syscall.listDirectory(folder)) ?? [] where name.hasSuffix(".json") {
                guard let bytes = try? AtomicFile.read(folder + "/" + name, limit: 4 << 20),
                    let sidecar = try? JSONDecoder.faxdrop().decode(Sidecar.self, from: Data(bytes))
                else { continue }
                let row = JobIndexRow(sidecar)
                if query.matches(row) { rows.append(row) }
            }
        }
        rows.sort { ($0.queuedAt, $0.id) > ($1.queuedAt, $1.id) }
        let perPage = query.clampedPerPage
        let start = min(rows.count, (query.clampedPage - 1) * perPage)
        return JobIndexPage(
            rows: Array(rows[start..<min(rows.count, start + perPage)]), total: rows.count, page: query.clampedPage,
            perPage: perPage)
    }
}

extension JobIndexQuery {
    /// The index's matching rules, for the spool listing.
    func matches(_ row: JobIndexRow) -> Bool {
        if !states.isEmpty && !states.contains(row.state) { return false }
        if let number, !number.isEmpty {
            let digits = number.filter(\.isNumber)
            if !digits.isEmpty && !row.destination.filter(\.isNumber).contains(digits) { return false }
        }
        if let text, !text.isEmpty {
            let needle = text.lowercased()
            if !row.originalName.lowercased().contains(needle) && !row.id.lowercased().contains(needle) { return false }
        }
        if let errorCode, !errorCode.isEmpty, row.errorCode != errorCode { return false }
        if let from, row.queuedAt < from { return false }
        if let to, row.queuedAt >= to { return false }
        return true
    }
}
