import FaxDropCore
import FaxDropSystem
import Foundation
import Logging
import Synchronization

/// Sweeps the kept fax images (`images/<job-id>.tif`) older than `FAXDROP_KEEP_IMAGES_DAYS`.
/// A fax's age is its job's: the time in its id, when it was queued, so the sweep needs no
/// sidecar and no timestamp a copy or restore could change. Runs when the daemon starts and
/// then every `interval`.
public final class ImageRetention: DaemonService {
    public let serviceName = "image retention"
    public let spool: Spool
    public let days: Int
    let interval: Duration
    let logger: Logger
    let clock: @Sendable () -> Date
    private let task = Mutex<Task<Void, Never>?>(nil)

    public init(
        spool: Spool, days: Int, interval: Duration = .seconds(3600), logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.spool = spool
        self.days = days
        self.interval = interval
        self.logger = logger
        self.clock = clock
    }

    /// Whether the image of `id` is past its keeping time at `now`; 0 days keeps nothing.
    public static func isExpired(_ id: JobID, days: Int, now: Date) -> Bool {
        days <= 0 || now.timeIntervalSince(id.createdAt) > Double(days) * 86_400
    }

    /// Removes the expired images; returns how many. Files that are not `<job-id>.tif` are left.
    @discardableResult
    public func sweep() -> Int {
        let now = clock()
        var removed = 0
        for name in (try? Syscall.listDirectory(spool.images)) ?? [] where name.hasSuffix(".tif") {
            guard let id = JobID(String(name.dropLast(4))), Self.isExpired(id, days: days, now: now) else { continue }
            if (try? Syscall.unlink(spool.images + "/" + name)) != nil { removed += 1 }
        }
        if removed > 0 {
            logger.info("expired fax images removed", metadata: ["count": "\(removed)", "days": "\(days)"])
        }
        return removed
    }

    public func start() async throws {
        let interval = self.interval
        let next = Task { [self] in
            while !Task.isCancelled {
                sweep()
                try? await Task.sleep(for: interval)
            }
        }
        task.withLock { $0 = next }
    }

    public func stop() async {
        let running = task.withLock { t -> Task<Void, Never>? in
            defer { t = nil }
            return t
        }
        running?.cancel()
        await running?.value
    }
}
