import FaxDropCore
import FaxDropSystem
import Foundation
import Logging

/// Sweeps the kept fax images (`images/<job-id>.tif`) older than `FAXDROP_KEEP_IMAGES_DAYS`.
/// A fax's age is its job's: the time in its id, when it was queued, so the sweep needs no
/// sidecar and no timestamp a copy or restore could change. Runs when the daemon starts and
/// then every `interval`.
public struct ImageRetention: DaemonService {
    public let serviceName = "image retention"
    public let spool: Spool
    public let days: Int
    var interval: Duration = .seconds(3600)
    let logger: Logger
    var clock: @Sendable () -> Date = { Date() }
    private let task = BackgroundTask()

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
        task.start { [self] in
            while !Task.isCancelled {
                sweep()
                try? await Task.sleep(for: interval)
            }
        }
    }

    public func stop() async { await task.stop() }
}
