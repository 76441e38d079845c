import FaxDropCore
import FaxDropIndex
import Foundation
import Logging
import Synchronization

/// Keeps the job index (`<spool>/index/jobs.sqlite`) in step with the engine: each journal
/// write and each sidecar becomes a row. Writes run on one serial queue, never on the
/// engine; a failed write is logged and marks the index behind, and the next write catches
/// it up from the files. The sidecars stay the truth: the index can always be rebuilt.
public final class JobIndexObserver: EngineObserver, DaemonService, Sendable {
    public let serviceName = "index"
    public let spool: Spool
    private let path: String?
    private let logger: Logger
    private let opened = Mutex<JobIndex?>(nil)
    private let behind = Atomic<Bool>(false)
    private let queue = DispatchQueue(label: "faxdrop.index", qos: .utility)

    /// - Parameter path: the database file; `<spool>/index/jobs.sqlite` when `nil`.
    public init(spool: Spool, path: String? = nil, logger: Logger) {
        self.spool = spool
        self.path = path
        self.logger = logger
    }

    /// The index once open; `nil` before `start()` or when it could not be opened (readers
    /// then fall back to the sidecars).
    public var index: JobIndex? { opened.withLock { $0 } }

    /// Opens (checking, rebuilding or catching up as needed) off the cooperative pool. An
    /// index that cannot be opened does not stop the daemon.
    public func start() async throws {
        let spool = self.spool
        let path = self.path
        let logger = self.logger
        let result = await run { Result { try JobIndex.open(spool: spool, path: path, check: true, logger: logger) } }
        switch result {
        case .success(let index): opened.withLock { $0 = index }
        case .failure(let error):
            logger.error("the job index is unavailable; lists read the sidecars", metadata: ["error": "\(error)"])
        }
    }

    /// Waits for the writes already queued.
    public func stop() async { await flush() }

    /// Returns once every write queued before the call is done.
    public func flush() async { await run { () } }

    public func jobChanged(_ record: JobRecord) {
        write(record.jobID) { try $0.record(journal: record) }
    }

    public func jobFinished(_ sidecar: Sidecar, sidecarPath: String) {
        write(sidecar.jobID) { try $0.record(sidecar: sidecar) }
    }

    private func write(_ job: JobID, _ body: @escaping @Sendable (JobIndex) throws -> Void) {
        queue.async { [self] in
            guard let index else { return }
            do {
                try body(index)
                if behind.load(ordering: .relaxed) {
                    try index.catchUp()
                    behind.store(false, ordering: .relaxed)
                }
            } catch {
                var log = logger
                log[metadataKey: "job"] = "\(job)"
                log.error(
                    "cannot update the job index; it will catch up from the sidecars", metadata: ["error": "\(error)"])
                behind.store(true, ordering: .relaxed)
                index.markBehind()
            }
        }
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }
}

extension JobIndex {
    /// Opens the index of `spool` (see `open(spool:path:check:logger:)`).
    public static func open(
        spool: Spool, path: String? = nil, check: Bool = false, catchUp: Bool = true, logger: Logger
    ) throws -> JobIndex {
        try open(spool: spool.root, path: path, check: check, catchUp: catchUp, logger: logger)
    }
}
