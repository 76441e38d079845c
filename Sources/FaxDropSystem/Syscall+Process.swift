import CFaxDropSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Process and scratch-directory calls used by the renderer's per-job sandbox.
extension Syscall {
    /// How a child process ended.
    public enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        public var description: String {
            switch self {
            case .exited(let status): "exited with status \(status)"
            case .signalled(let signal):
                "was killed by \(strsignal(signal).map { String(cString: $0) } ?? "signal \(signal)")"
            }
        }
    }

    /// The corresponding C function is `fork`: 0 in the child, the child's pid in the parent.
    /// Only the calling thread exists in the child.
    public static func fork() throws(SystemError) -> pid_t {
        try retryingOnInterrupt("fork") { faxdrop_fork() }
    }

    /// The corresponding C function is `waitpid(pid, &status, 0)`: blocks until `pid` ends.
    public static func wait(for pid: pid_t) throws(SystemError) -> Termination {
        var status: Int32 = 0
        _ = try retryingOnInterrupt("waitpid") { waitpid(pid, &status, 0) }
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
    }

    /// Names the calling thread (what `/proc/<pid>/task/<tid>/comm`, `top -H` and debuggers
    /// show); Linux keeps 15 bytes. The corresponding C function is `prctl(PR_SET_NAME)`.
    public static func nameCurrentThread(_ name: String) {
        _ = faxdrop_set_thread_name(name)
    }

    /// `prctl(PR_SET_PDEATHSIG, signal)`: this process gets `signal` when its parent ends.
    public static func setParentDeathSignal(_ signal: Int32) throws(SystemError) {
        _ = try retryingOnInterrupt("prctl(PR_SET_PDEATHSIG)") { faxdrop_set_parent_death_signal(signal) }
    }

    /// The corresponding C function is `mkdtemp`: a new directory `<prefix>XXXXXX`, mode 0700,
    /// that nobody else had. Returns its path.
    public static func makeTemporaryDirectory(prefix: String) throws(SystemError) -> String {
        var template = Array((prefix + "XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { throw SystemError("mkdtemp", path: prefix, errno: errno) }
        return String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Removes `path` and, if it is a directory, everything in it; symlinks are removed,
    /// never followed. Nothing at `path` is success.
    public static func removeTree(_ path: String) throws {
        guard let status = try lstatIfExists(path) else { return }
        if status.kind == .directory {
            for name in try listDirectory(path) { try removeTree(path + "/" + name) }
            try rmdir(path)
        } else {
            try unlink(path)
        }
    }
}
