import NIOPosix

/// The one way the daemon runs blocking work (file writes that `fsync`, libtiff reading and
/// joining fax images): on NIO's shared thread pool, `NIOThreadPool.singleton`, which the
/// HTTP server uses too. Actors, tasks and event loops hand the work here and `await` it, so
/// none of them, and no thread of Swift's cooperative pool, waits on a disk. (Render workers'
/// pipes are the exception, each owned by a thread of its own: `WorkerProcess`.)
public enum BlockingWork {
    /// Runs `body` on the pool and returns its result. Throws `NIOThreadPoolError.ThreadPoolInactive`
    /// only once the pool is shut down (the singleton never is) and `CancellationError` when
    /// the awaiting task is cancelled before the work starts.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }
}
