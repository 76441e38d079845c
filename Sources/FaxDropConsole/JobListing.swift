import FaxDropCore
import FaxDropDaemon
import FaxDropSystem
import Foundation

/// One job as the console lists it (the job index's row shape, index-api.md).
public struct ConsoleJobRow: Sendable, Equatable {
    public var id: String
    public var destination: String
    public var originalName: String
    /// A live `JobState` raw value, or `sent` / `failed` for ended jobs.
    public var state: String
    public var errorCode: String?
    public var errorMessage: String?
    public var pagesTotal: Int?
    public var pagesSent: Int?
    public var attempts: Int
    public var queuedAt: Date
    public var completedAt: Date?
    public var notBefore: Date?
}

/// A history search (the job index's query shape).
public struct HistoryQuery: Sendable, Equatable {
    public var states: Set<String> = []
    public var number: String?
    public var text: String?
    public var errorCode: String?
    public var from: Date?
    public var to: Date?
    public var page = 1
    public var perPage = 50

    public init() {}
}

public struct HistoryPage: Sendable, Equatable {
    public var rows: [ConsoleJobRow]
    public var total: Int
    public var page: Int
    public var perPage: Int
}

/// Where the console's lists come from: the job index once it is open, the spool otherwise.
public protocol JobListing: Sendable {
    /// Queued and active jobs, newest first.
    func outbox() throws -> [ConsoleJobRow]
    /// Sent and failed jobs matching `query`, newest first.
    func history(_ query: HistoryQuery) throws -> HistoryPage
}

/// Lists read straight from the spool: journals for the outbox (always: they are the live
/// truth), sidecars for the history (every sidecar decoded: fine for a small office; the job
/// index answers large spools).
public struct SpoolJobListing: JobListing {
    public let spool: Spool

    public init(spool: Spool) { self.spool = spool }

    public func outbox() throws -> [ConsoleJobRow] {
        let records = try JournalStore(spool: spool).scan().compactMap(\.record).filter { !$0.state.isFinal }
        return records.map(ConsoleJobRow.init).sorted { ($0.queuedAt, $0.id) > ($1.queuedAt, $1.id) }
    }

    public func history(_ query: HistoryQuery) throws -> HistoryPage {
        var rows: [ConsoleJobRow] = []
        for folder in [spool.done, spool.failed] {
            for name in (try? Syscall.listDirectory(folder)) ?? [] where name.hasSuffix(".json") {
                guard let bytes = try? AtomicFile.read(folder + "/" + name, limit: 4 << 20),
                    let sidecar = try? JSONDecoder.faxdrop().decode(Sidecar.self, from: Data(bytes))
                else { continue }
                let row = ConsoleJobRow(sidecar)
                if query.matches(row) { rows.append(row) }
            }
        }
        rows.sort { ($0.queuedAt, $0.id) > ($1.queuedAt, $1.id) }
        let perPage = min(200, max(1, query.perPage))
        let start = min(rows.count, (max(1, query.page) - 1) * perPage)
        return HistoryPage(
            rows: Array(rows[start..<min(rows.count, start + perPage)]), total: rows.count, page: max(1, query.page),
            perPage: perPage)
    }
}

extension HistoryQuery {
    /// The index's matching rules, for the spool listing.
    func matches(_ row: ConsoleJobRow) -> Bool {
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

extension ConsoleJobRow {
    init(_ r: JobRecord) {
        self.init(
            id: r.jobID.value, destination: r.destination, originalName: r.originalName, state: r.state.rawValue,
            errorCode: r.lastError?.code.rawValue, errorMessage: r.lastError?.message, pagesTotal: r.pagesTotal,
            pagesSent: r.pagesSent, attempts: r.attempts.count, queuedAt: r.queuedAt, completedAt: nil,
            notBefore: r.notBefore)
    }

    init(_ s: Sidecar) {
        self.init(
            id: s.jobID.value, destination: s.destination, originalName: s.document.originalName,
            state: s.status.rawValue,
            errorCode: s.error?.code.rawValue, errorMessage: s.error?.message, pagesTotal: s.pages.total,
            pagesSent: s.pages.sent, attempts: s.attempts.count, queuedAt: s.queuedAt, completedAt: s.completedAt,
            notBefore: nil)
    }
}
