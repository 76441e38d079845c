import CFaxDropSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Starts and reaps child processes: every program FaxDrop runs (result hooks, renderer
/// workers, the sandbox probe, the benchmark's workers) is started here and nowhere else.
/// Unlike Foundation's `Process`, the child starts with an empty signal mask and default
/// signal dispositions, so `SIGTERM` stops it and `SIGPIPE` behaves as shells expect, whatever
/// thread of the daemon started it; by default it gets its own process group, so a timeout
/// stops the hook and everything it started. The child holds standard input, output and
/// error and no other descriptor of the daemon's: not its listening sockets (SwiftNIO's are
/// not close-on-exec), AMI connections or inotify instances, whoever opened them and however.
public enum ChildProcess {
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    /// The corresponding C function is `posix_spawn`. `argv[0]` is the program's absolute path;
    /// the environment is exactly `environment`. Standard input is `standardInput` (default
    /// `/dev/null`), standard output and error are `standardOutput` and `standardError`
    /// (default: the daemon's own); the descriptors stay the caller's, which closes them. Every
    /// other descriptor is closed in the child before the program starts
    /// (`posix_spawn_file_actions_addclosefrom_np(3)`), close-on-exec or not.
    /// With `ownProcessGroup` false the child stays in the daemon's process group.
    public static func spawn(
        _ argv: [String], environment: [String: String], standardInput: Int32? = nil, standardOutput: Int32? = nil,
        standardError: Int32? = nil, ownProcessGroup: Bool = true
    ) throws -> pid_t {
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
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if ownProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let standardInput {
            posix_spawn_file_actions_adddup2(&actions, standardInput, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        if let standardOutput { posix_spawn_file_actions_adddup2(&actions, standardOutput, 1) }
        if let standardError { posix_spawn_file_actions_adddup2(&actions, standardError, 2) }
        let closing = faxdrop_spawn_close_from(&actions, 3)
        guard closing == 0 else { throw SystemError("posix_spawn_file_actions_addclosefrom_np", errno: closing) }

        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in cArguments { free(p) }
            for p in cEnvironment { free(p) }
        }
        var pid = pid_t()
        let result = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment)
        guard result == 0 else { throw SystemError("posix_spawn", path: argv[0], errno: result) }
        return pid
    }

    /// Runs `argv` to its end on the calling thread (which blocks: for commands, never for the
    /// daemon's actors or event loops) and returns how it ended and what it wrote to standard
    /// output; its standard error is discarded. Spawned as `spawn` spawns.
    public static func run(_ argv: [String], environment: [String: String]) throws -> (
        termination: Syscall.Termination, output: [UInt8]
    ) {
        let pipe = try Syscall.pipe()
        let reader = FileDescriptor(owning: pipe.read)
        let pid: pid_t
        do {
            let writer = FileDescriptor(owning: pipe.write)
            let null = try Syscall.openOwned("/dev/null", O_WRONLY)
            pid = try spawn(
                argv, environment: environment, standardOutput: writer.rawValue, standardError: null.rawValue)
        }  // `writer` closed here: the child holds the only write end, so its exit is end of file
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = (try? chunk.withUnsafeMutableBytes { try Syscall.read(reader.rawValue, into: $0) }) ?? 0
            if n <= 0 { break }
            output.append(contentsOf: chunk[0..<n])
        }
        return (try Syscall.wait(for: pid), output)
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
