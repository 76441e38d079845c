#if canImport(Glibc)
import Glibc
#endif

/// Starts and reaps helper programs (result hooks). Unlike Foundation's `Process`, the child
/// starts with an empty signal mask and default signal dispositions, so `SIGTERM` stops it and
/// `SIGPIPE` behaves as shells expect, whatever thread of the daemon started it; it gets its
/// own process group, so a timeout stops the hook and everything it started.
public enum ChildProcess {
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    /// The corresponding C function is `posix_spawn`. Standard input is `/dev/null`; standard
    /// output and error are the daemon's. `argv[0]` is the program's absolute path.
    public static func spawn(_ argv: [String], environment: [String: String]) throws -> pid_t {
        precondition(!argv.isEmpty)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM, SIGXFSZ] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)

        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in cArguments { free(p) }
            for p in cEnvironment { free(p) }
        }
        var pid = pid_t()
        let result = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment)
        guard result == 0 else { throw SystemError("posix_spawn", path: argv[0], errno: result) }
        return pid
    }

    /// The corresponding C function is `waitpid(pid, WNOHANG)`: how the child ended, or `nil`
    /// while it runs.
    public static func poll(_ pid: pid_t) throws -> Termination? {
        var status: Int32 = 0
        let result = try retryingOnInterrupt("waitpid") { waitpid(pid, &status, WNOHANG) }
        guard result == pid else { return nil }
        let low = status & 0x7f
        if low == 0 { return .exited((status >> 8) & 0xff) }
        return .signalled(low)
    }

    /// The corresponding C function is `waitpid(pid, 0)`: blocks the calling thread until the
    /// child ends, and reaps it.
    public static func wait(_ pid: pid_t) throws -> Termination {
        var status: Int32 = 0
        _ = try retryingOnInterrupt("waitpid") { waitpid(pid, &status, 0) }
        let low = status & 0x7f
        if low == 0 { return .exited((status >> 8) & 0xff) }
        return .signalled(low)
    }

    /// The corresponding C function is `kill(-pgid, signal)`: signals the child's whole group.
    public static func signalGroup(_ pid: pid_t, _ signal: Int32) {
        _ = kill(-pid, signal)
    }
}
