import Synchronization

/// Counts some system calls (`open`, `close`, `fsync`) made by the task that set it, and by
/// the tasks it starts: how a test checks that a descriptor was closed once or that an
/// `fsync` was skipped, without timing anything. Unset (the daemon), counting costs one
/// task-local read.
public final class SyscallTally: Sendable {
    /// The tally of the current task, if any.
    @TaskLocal public static var current: SyscallTally?

    private let counts = Mutex<[String: Int]>([:])

    public init() {}

    /// How often `call` was made (`"open"`, `"close"`, `"fsync"`).
    public subscript(_ call: String) -> Int { counts.withLock { $0[call, default: 0] } }

    static func record(_ call: String) {
        guard let tally = current else { return }
        tally.counts.withLock { $0[call, default: 0] += 1 }
    }
}
