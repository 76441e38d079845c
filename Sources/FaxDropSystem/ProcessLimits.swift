import CFaxDropSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Limits a process puts on itself: resource limits. Used by
/// the `faxdrop-render` workers so a hostile document cannot exhaust the machine, and by the
/// daemon to have all the descriptors it is allowed.
public enum ProcessLimits {
    /// The corresponding C function is `setrlimit`; sets both the soft and the hard limit.
    public static func set(_ resource: __rlimit_resource, to value: UInt64) throws {
        var limit = rlimit(rlim_cur: rlim_t(value), rlim_max: rlim_t(value))
        _ = try retryingOnInterrupt("setrlimit") { setrlimit(__rlimit_resource_t(resource.rawValue), &limit) }
    }

    /// The soft and hard limits on open descriptors (`RLIMIT_NOFILE`). The corresponding C
    /// function is `getrlimit`.
    public static func openFileLimits() throws -> (soft: UInt64, hard: UInt64) {
        var limit = rlimit()
        _ = try retryingOnInterrupt("getrlimit") { getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) }
        return (UInt64(limit.rlim_cur), UInt64(limit.rlim_max))
    }

    /// Raises the soft limit on open descriptors to the hard limit (an unlimited hard limit
    /// is left alone: the kernel refuses it as a soft one); returns the soft limit now in
    /// force. The corresponding C functions are `getrlimit` and `setrlimit`.
    @discardableResult
    public static func raiseOpenFileLimit() throws -> UInt64 {
        let current = try openFileLimits()
        guard current.soft < current.hard, current.hard != UInt64.max else { return current.soft }
        var limit = rlimit(rlim_cur: rlim_t(current.hard), rlim_max: rlim_t(current.hard))
        _ = try retryingOnInterrupt("setrlimit") { setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) }
        return current.hard
    }

    /// Address-space limit in bytes (`RLIMIT_AS`): allocations beyond it fail.
    public static func limitAddressSpace(_ bytes: UInt64) throws { try set(RLIMIT_AS, to: bytes) }

    /// No core dumps (`RLIMIT_CORE` = 0): a crashing renderer leaves no copy of a document.
    public static func disableCoreDumps() throws { try set(RLIMIT_CORE, to: 0) }

    /// Largest file the process may write (`RLIMIT_FSIZE`).
    public static func limitFileSize(_ bytes: UInt64) throws { try set(RLIMIT_FSIZE, to: bytes) }

    /// Lowers this process's scheduling priority by `increment` (the corresponding C
    /// function is `setpriority`). Renderers run below the daemon, so claiming files,
    /// answering AMI and HTTP stay quick while every core renders.
    public static func lowerPriority(by increment: Int32) throws {
        errno = 0
        let current = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        if current == -1 && errno != 0 { throw SystemError("getpriority", errno: errno) }
        _ = try retryingOnInterrupt("setpriority") {
            setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, min(19, current + increment))
        }
    }
}
