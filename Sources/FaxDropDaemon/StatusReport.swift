import FaxDropCore
import FaxDropIndex
import FaxDropSystem
import Foundation

/// What `faxdrop status` shows: jobs waiting in the drop zone, active jobs from their
/// journals, and ended jobs from their sidecars (SPEC §5). Read-only; secrets never appear
/// because neither journals nor sidecars hold any.
public struct StatusReport: Sendable, Encodable {
    public struct ActiveJob: Sendable, Encodable {
        public var jobID: JobID
        public var state: JobState
        public var destination: String
        public var originalName: String
        public var attempts: Int
        public var pagesTotal: Int?
        public var pagesSent: Int
        public var notBefore: Date?
        public var lastError: String?
        /// Not dialled before this time (`send_at`).
        public var sendAt: Date? = nil
        public var priority: JobPriority = .normal

        enum CodingKeys: String, CodingKey {
            case jobID = "job_id"
            case state, destination
            case originalName = "original_name"
            case attempts
            case pagesTotal = "pages_total"
            case pagesSent = "pages_sent"
            case notBefore = "not_before"
            case lastError = "last_error"
            case sendAt = "send_at"
            case priority
        }
    }

    public struct EndedJob: Sendable, Encodable {
        public var jobID: JobID
        public var status: Sidecar.Status
        public var destination: String
        public var pages: Int
        public var code: String?
        public var completedAt: Date

        enum CodingKeys: String, CodingKey {
            case jobID = "job_id"
            case status, destination, pages, code
            case completedAt = "completed_at"
        }
    }

    /// Received faxes (SPEC §10).
    public struct Incoming: Sendable, Encodable {
        /// Landed faxes by status (`received`, `partial`, `failed`).
        public var byStatus: [String: Int]
        /// Files Asterisk wrote that are not landed yet.
        public var pending: Int
        /// The newest (up to 20): id, status, folder, pages, caller.
        public var recent: [Recent]

        public struct Recent: Sendable, Encodable {
            public var id: JobID
            public var status: String
            public var folder: String
            public var pages: Int
            public var caller: String
            public var receivedAt: Date
            enum CodingKeys: String, CodingKey {
                case id, status, folder, pages, caller
                case receivedAt = "received_at"
            }
        }

        enum CodingKeys: String, CodingKey {
            case byStatus = "by_status"
            case pending, recent
        }
    }

    /// How many ended jobs `done` and `failed` list: the newest.
    public static let recentEnded = 20

    public var waitingInDropZone: Int
    public var active: [ActiveJob]
    /// The newest sent jobs (at most `recentEnded`), newest first.
    public var done: [EndedJob]
    /// The newest failed jobs (at most `recentEnded`), newest first.
    public var failed: [EndedJob]
    /// Sidecars in `done/` and `failed/`.
    public var doneTotal: Int
    public var failedTotal: Int
    public var incoming: Incoming = Incoming(byStatus: [:], pending: 0, recent: [])

    enum CodingKeys: String, CodingKey {
        case waitingInDropZone = "waiting_in_drop_zone"
        case active, done, failed, incoming
        case doneTotal = "done_total"
        case failedTotal = "failed_total"
    }

    /// The report; ended jobs from the job index when one is given and answers, otherwise
    /// from the sidecars themselves.
    public static func read(_ spool: Spool, index: JobIndex? = nil) -> StatusReport {
        let waiting = waitingInDropZone(spool)
        let store = JournalStore(spool: spool)
        let active = ((try? store.scan()) ?? []).compactMap { $0.record }.map(ActiveJob.init)
        let (done, failed, doneTotal, failedTotal) = index.flatMap(endedFromIndex) ?? endedFromSidecars(spool)
        var report = StatusReport(
            waitingInDropZone: waiting, active: active, done: done, failed: failed, doneTotal: doneTotal,
            failedTotal: failedTotal)
        let received = ReceivedFaxes.all(spool).map(\.sidecar).sorted { $0.id > $1.id }
        var byStatus: [String: Int] = [:]
        for sidecar in received { byStatus[sidecar.status.rawValue, default: 0] += 1 }
        report.incoming = Incoming(
            byStatus: byStatus, pending: ReceivedFaxes.pending(spool),
            recent: received.prefix(20).map {
                .init(
                    id: $0.id, status: $0.status.rawValue, folder: $0.folder, pages: $0.pages.received,
                    caller: $0.caller,
                    receivedAt: $0.receivedAt)
            })
        return report
    }

    /// Entries waiting in `outgoing/<folder>/` (and stray files in `outgoing/`), hidden
    /// names left out.
    public static func waitingInDropZone(_ spool: Spool) -> Int {
        var count = 0
        for folder in (try? Syscall.listDirectory(spool.outgoing)) ?? [] {
            if let names = try? Syscall.listDirectory(spool.outgoing + "/" + folder) {
                count += names.filter { !$0.hasPrefix(".") }.count
            } else if !folder.hasPrefix(".") {
                count += 1
            }
        }
        return count
    }

    /// The sidecar of one job, if it has ended.
    public static func sidecar(_ id: JobID, spool: Spool) -> Sidecar? {
        guard let path = spool.finalSidecar(id), let bytes = try? AtomicFile.read(path) else { return nil }
        return try? JSONDecoder.faxdrop().decode(Sidecar.self, from: Data(bytes))
    }

    static func endedFromIndex(_ index: JobIndex) -> ([EndedJob], [EndedJob], Int, Int)? {
        guard let totals = try? index.totals(), let done = try? index.recentEnded(state: "sent", limit: recentEnded),
            let failed = try? index.recentEnded(state: "failed", limit: recentEnded)
        else { return nil }
        return (
            done.compactMap(EndedJob.init), failed.compactMap(EndedJob.init), totals["sent"] ?? 0, totals["failed"] ?? 0
        )
    }

    static func endedFromSidecars(_ spool: Spool) -> ([EndedJob], [EndedJob], Int, Int) {
        let newest: ([EndedJob]) -> [EndedJob] = { jobs in
            Array(jobs.sorted { ($0.completedAt, $0.jobID) > ($1.completedAt, $1.jobID) }.prefix(recentEnded))
        }
        let done = ended(spool.done)
        let failed = ended(spool.failed)
        return (newest(done), newest(failed), done.count, failed.count)
    }

    static func ended(_ folder: String) -> [EndedJob] {
        let names = ((try? Syscall.listDirectory(folder)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        return names.compactMap { name in
            guard let bytes = try? AtomicFile.read(folder + "/" + name),
                let s = try? JSONDecoder.faxdrop().decode(Sidecar.self, from: Data(bytes))
            else { return nil }
            return EndedJob(
                jobID: s.jobID, status: s.status, destination: s.destination, pages: s.pages.sent,
                code: s.error?.code.rawValue,
                completedAt: s.completedAt)
        }
    }
}

extension StatusReport.EndedJob {
    init?(_ row: JobIndexRow) {
        guard let id = JobID(row.id), let status = Sidecar.Status(rawValue: row.state) else { return nil }
        self.init(
            jobID: id, status: status, destination: row.destination, pages: row.pagesSent ?? 0, code: row.errorCode,
            completedAt: row.completedAt ?? row.updatedAt)
    }
}

extension StatusReport.ActiveJob {
    public init(_ r: JobRecord) {
        self.init(
            jobID: r.jobID, state: r.state, destination: r.destination, originalName: r.originalName,
            attempts: r.attempts.count, pagesTotal: r.pagesTotal, pagesSent: r.pagesSent, notBefore: r.notBefore,
            lastError: r.lastError.map { "\($0.code.rawValue): \($0.message)" })
        sendAt = r.sendAt
        priority = r.priority
    }
}
