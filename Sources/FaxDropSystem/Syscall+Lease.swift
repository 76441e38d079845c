import CFaxDropSystem

#if canImport(Glibc)
    import Glibc
#endif

/// File leases: a read lease can be taken only while no process has the file open for
/// writing, which makes it the probe for "is someone still writing this file?".
extension Syscall {
    /// What asking for a read lease told.
    public enum ReadLease: Sendable, Equatable {
        /// Taken: nobody has the file open for writing. Release it with `releaseLease`.
        case held
        /// `EAGAIN`: some process has the file open for writing.
        case openForWriting
        /// The lease cannot be taken for another reason: not the file's owner without
        /// `CAP_LEASE` (`EACCES`), leases disabled or unsupported by the filesystem
        /// (`EINVAL`), and so on. Nothing can be said about writers.
        case unavailable(SystemError)
    }

    /// A lease break signals the holder with `SIGIO`, whose default action ends the
    /// process. FaxDrop holds read leases only for moments and never needs the signal.
    private static let leaseBreakSignalIgnored: Bool = {
        _ = signal(SIGIO, SIG_IGN)
        return true
    }()

    /// Asks for a read lease on `fd` (opened read-only). The corresponding C function is
    /// `fcntl(fd, F_SETLEASE, F_RDLCK)`.
    public static func takeReadLease(_ fd: Int32) -> ReadLease {
        _ = leaseBreakSignalIgnored
        while faxdrop_set_lease(fd, Int32(F_RDLCK)) != 0 {
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EBUSY { return .openForWriting }
            return .unavailable(SystemError("fcntl(F_SETLEASE)", errno: e))
        }
        return .held
    }

    /// Releases a lease taken with `takeReadLease`. The corresponding C function is
    /// `fcntl(fd, F_SETLEASE, F_UNLCK)`; closing the descriptor releases it as well.
    public static func releaseLease(_ fd: Int32) {
        _ = try? retryingOnInterrupt("fcntl(F_SETLEASE)") { faxdrop_set_lease(fd, Int32(F_UNLCK)) }
    }
}
