import Synchronization

/// A service's one background loop (a sweep, a watchdog): started by the service's `start`,
/// cancelled and awaited by its `stop`, so nothing of it runs once `stop` returns.
public final class BackgroundTask: Sendable {
    private let task = Mutex<Task<Void, Never>?>(nil)

    public init() {}

    /// Runs `body` as the task. Call once per `stop`.
    public func start(_ body: @escaping @Sendable () async -> Void) {
        let next = Task { await body() }
        task.withLock { $0 = next }
    }

    /// Cancels the task and waits for it to end; returns at once when none runs.
    public func stop() async {
        let running = task.withLock { t -> Task<Void, Never>? in
            defer { t = nil }
            return t
        }
        running?.cancel()
        await running?.value
    }
}
