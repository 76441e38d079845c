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
        self.logger = logger
    }

    /// Starts watching; `onReady` receives the path of each complete entry and answers
    /// `false` when it did not take it because a process still has it open for writing:
    /// its settle time then starts again.
    public func start(onReady: @escaping @Sendable (String) async -> Bool) throws {
        try start(onSettled: { paths in
            var notTaken: [String] = []
            for path in paths {
                if await !onReady(path) { notTaken.append(path) }
            }
            return notTaken
        })
    }

    /// Starts watching; `onSettled` receives every entry that settled at one turn of the
    /// settle loop, in one batch, and answers those it did not take because a process
    /// still has them open for writing: their settle time starts again.
    ///
    /// The loop sleeps until the earliest settle deadline (or the watcher's next report)
    /// and looks only at the entries whose deadline has come; their `lstat`s run outside
    /// the tracker's lock, so the watcher thread is never held up by them.
    public func start(onSettled: @escaping @Sendable ([String]) async -> [String]) throws {
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
                let ready = settled()
                if !ready.isEmpty {
                    for path in ready { logger.debug("file settled", metadata: ["path": "\(path)"]) }
                    for path in await onSettled(ready) {
                        let status = try? Syscall.lstatIfExists(path)
                        let now = Self.monotonicSeconds()
                        tracker.withLock { $0.note(path, status: status, now: now) }
                    }
                }
                // Sleep until the next entry is due, or, with none pending, until the
                // watcher reports.
                let next = tracker.withLock { $0.nextDeadline }
                await activity.wait(until: next.map { .now + .seconds(max(0, $0 - Self.monotonicSeconds())) })
            }
        }
        pollTask.withLock { $0 = task }
    }

    /// The entries whose settle deadline has come and that are complete: only those are
    /// looked at, each with one `lstat`, outside the lock.
    private func settled() -> [String] {
        let due = tracker.withLock { $0.takeDue(now: Self.monotonicSeconds()) }
        guard !due.isEmpty else { return [] }
        let looked = due.map { (due: $0, status: try? Syscall.lstatIfExists($0.path)) }
        let now = Self.monotonicSeconds()
        return tracker.withLock { $0.decide(looked, now: now) }
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
