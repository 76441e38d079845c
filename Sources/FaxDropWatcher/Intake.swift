import FaxDropCore
import FaxDropSystem
import Foundation
import Logging
import Synchronization

/// The drop zone's intake: the inotify watcher's reports go through the settle tracker,
/// and each entry that is complete is delivered once to `onReady` (the daemon claims it).
/// Delivery may repeat after a rescan if a claim has not happened yet; claiming is the
/// atomic guard (one `rename`), so a repeat is harmless.
public final class Intake: Sendable {
    private let watcher: DropZoneWatcher
    private let tracker: Mutex<SettleTracker>
    private let pollInterval: Duration
    private let logger: Logger
    private let pollTask = Mutex<Task<Void, Never>?>(nil)
    /// Rung by the watcher's reports: the settle loop sleeps on it while nothing is pending.
    private let activity = Wakeup()

    /// - Parameters:
    ///   - outgoing: the `spool/outgoing` folder.
    ///   - settle: how long a file must stay unchanged after its last close or rename.
    ///   - rescanInterval: seconds between full rescans of the drop zone (0: only at start
    ///     and after an overflow).
    public init(outgoing: String, settle: Duration, rescanInterval: Double, logger: Logger) {
        self.watcher = DropZoneWatcher(outgoing: outgoing, rescanInterval: rescanInterval, logger: logger)
        self.tracker = Mutex(SettleTracker(settleSeconds: settle.timeInterval))
        self.pollInterval = max(.milliseconds(20), min(.milliseconds(250), settle / 4))
        self.logger = logger
    }

    /// Starts watching; `onReady` receives the path of each complete entry and answers
    /// `false` when it did not take it because a process still has it open for writing:
    /// its settle time then starts again.
    public func start(onReady: @escaping @Sendable (String) async -> Bool) throws {
        try watcher.start { [self] event in
            switch event {
            case .candidate(let path):
                let status = try? Syscall.lstatIfExists(path)
                let now = Self.monotonicSeconds()
                tracker.withLock { $0.note(path, status: status, now: now) }
            case .found(let path):
                let status = try? Syscall.lstatIfExists(path)
                let now = Self.monotonicSeconds()
                tracker.withLock { $0.noteFound(path, status: status, now: now) }
            case .rescanned:
                break
            }
            activity.ring()
        }
        let task = Task { [self] in
            while !Task.isCancelled {
                let now = Self.monotonicSeconds()
                let ready = tracker.withLock { t in
                    t.poll(now: now) { path in try? Syscall.lstatIfExists(path) }
                }
                for path in ready {
                    logger.debug("file settled", metadata: ["path": "\(path)"])
                    if await !onReady(path) {
                        let status = try? Syscall.lstatIfExists(path)
                        let now = Self.monotonicSeconds()
                        tracker.withLock { $0.note(path, status: status, now: now) }
                    }
                }
                // Entries pending are looked at again every `pollInterval` (a writer may
                // still be growing one); with none, the loop sleeps until the watcher reports.
                let idle = tracker.withLock { $0.count == 0 }
                await activity.wait(until: idle ? nil : .now + pollInterval)
            }
        }
        pollTask.withLock { $0 = task }
    }

    /// Asks for a full rescan of the drop zone.
    public func rescan() { watcher.requestRescan() }

    /// Entries seen but not yet settled.
    public var pending: Int { tracker.withLock { $0.count } }

    /// Stops taking files: the watcher first, then the settle loop.
    public func stop() async {
        await watcher.stop()
        let task = pollTask.withLock { t -> Task<Void, Never>? in
            defer { t = nil }
            return t
        }
        task?.cancel()
        activity.ring()
        await task?.value
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
