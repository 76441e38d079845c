import FaxDropCore
import FaxDropSystem
import Foundation
import GRDB
import Logging

/// The job index: an SQLite database (WAL mode) at `<spool>/index/jobs.sqlite` that mirrors
/// the sidecars in `done/` and `failed/` and the journals in `active/`, so lists and counts
/// need not decode every sidecar. The sidecars stay the truth: a missing, corrupt or behind
/// index costs a rebuild, never a job.
public final class JobIndex: Sendable {
    /// `<spool>/index/jobs.sqlite`.
    public static func defaultPath(spool root: String) -> String { root + "/index/jobs.sqlite" }

    public let path: String
    /// The spool's root folder: `done/`, `failed/` and `active/` are read from here.
    public let spoolRoot: String
    let pool: DatabasePool
    let logger: Logger

    init(path: String, spoolRoot: String, pool: DatabasePool, logger: Logger) {
        self.path = path
        self.spoolRoot = spoolRoot
        self.pool = pool
        self.logger = logger
    }

    /// Opens the index at `<spool>/index/jobs.sqlite` (or `path`), creating it, rebuilding it
    /// when it is missing or corrupt, and catching up with sidecars written since it was
    /// last in step (a sidecar written while the daemon was down appears). `check` also runs
    /// SQLite's `quick_check` (the daemon does at start; readers need not). `catchUp: false`
    /// leaves that to the caller (`faxdrop reindex` rebuilds instead).
    public static func open(
        spool root: String, path: String? = nil, check: Bool = false, catchUp: Bool = true, logger: Logger
    ) throws -> JobIndex {
        let file = path ?? defaultPath(spool: root)
        let folder = (file as NSString).deletingLastPathComponent
        if !folder.isEmpty { try Syscall.mkdirIfNeeded(folder) }
        let index: JobIndex
        do {
            index = try openVerified(file, spoolRoot: root, check: check, logger: logger)
        } catch let error as IndexDamage {
            logger.warning(
                "the job index is unusable; rebuilding it from the sidecars",
                metadata: ["path": "\(file)", "problem": "\(error.reason)"])
            for suffix in ["", "-wal", "-shm"] { try? Syscall.unlink(file + suffix) }
            index = try openVerified(file, spoolRoot: root, check: false, logger: logger)
        }
        if catchUp { try index.catchUp() }
        return index
    }

    /// Opens and checks the schema; throws `IndexDamage` when the file is not a usable index.
    static func openVerified(_ file: String, spoolRoot: String, check: Bool, logger: Logger) throws -> JobIndex {
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "faxdrop.index"
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: file, configuration: configuration)
            try pool.write { db in try Schema.prepare(db, check: check) }
        } catch let error as DatabaseError where Schema.isDamage(error) {
            throw IndexDamage(reason: "\(error.resultCode): \(error.message ?? "")")
        }
        return JobIndex(path: file, spoolRoot: spoolRoot, pool: pool, logger: logger)
    }

    /// One page of the jobs matching `query`, newest first, and how many match in all.
    public func search(_ query: JobIndexQuery) throws -> JobIndexPage {
        let filter = Filter(query)
        let perPage = query.clampedPerPage
        let page = query.clampedPage
        return try pool.read { db in
            let total =
                try Int.fetchOne(db, sql: "SELECT count(*) FROM job" + filter.whereClause, arguments: filter.arguments)
                ?? 0
            var arguments = filter.arguments
            let offset = (page - 1) * perPage
            arguments += [perPage, offset]
            // A substring filter no index serves: walking the date index stops early when
            // matches are common; when they are rare, one pass over the table and a sort is
            // far cheaper than looking up every row the walk passes.
            let walk = !filter.substring || total > 4 * (offset + perPage)
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT * FROM job" + filter.whereClause + filter.orderClause(walkDateIndex: walk)
                    + " LIMIT ? OFFSET ?",
                arguments: arguments)
            return JobIndexPage(rows: rows.map(JobIndexRow.init(row:)), total: total, page: page, perPage: perPage)
        }
    }

    /// One job, ended or live, if the index has it.
    public func row(id: String) throws -> JobIndexRow? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM job WHERE id = ?", arguments: [id]).map(JobIndexRow.init(row:))
        }
    }

    /// How many jobs the index holds in each state (`sent`, `failed`, and live states).
    public func totals() throws -> [String: Int] {
        try pool.read { db in
            var totals: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, count(*) AS n FROM job GROUP BY state") {
                totals[row["state"] as String] = row["n"] as Int
            }
            return totals
        }
    }

    /// The newest ended jobs in `state` (`sent` or `failed`), newest completion first.
    public func recentEnded(state: String, limit: Int) throws -> [JobIndexRow] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM job WHERE state = ? ORDER BY completed_at DESC, id DESC LIMIT ?",
                arguments: [state, limit]
            ).map(JobIndexRow.init(row:))
        }
    }
}

/// The file is not a usable index (not a database, corrupt, or another schema).
struct IndexDamage: Error {
    var reason: String
}

extension JobIndex {
    /// Ended jobs (sidecars) counted by status and error code (empty when sent).
    public struct EndedCount: Sendable, Equatable {
        public var status: String
        public var code: String
        public var count: Int
    }

    /// How many sidecars the index holds, by status and error code.
    public func endedTotals() throws -> [EndedCount] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT state, coalesce(error_code, '') AS code, count(*) AS n FROM job WHERE ended = 1 GROUP BY state, code ORDER BY state, code"
            ).map { EndedCount(status: $0["state"], code: $0["code"], count: $0["n"]) }
        }
    }
}
