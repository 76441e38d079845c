import FaxDropSystem
import Logging
import Synchronization

/// Tells whether some process still has a file open for writing, with a read lease
/// (`fcntl(F_SETLEASE, F_RDLCK)`): the kernel grants one only when no writer holds the file
/// open. Samba's writers are local `smbd` processes, so a file an SMB client is still
/// writing is seen too.
///
/// Where no lease can be had for another reason (not the file's owner and no `CAP_LEASE`,
/// leases disabled or unsupported by the filesystem), the probe cannot tell; it says so once
/// in the log and the caller falls back to the settle time alone.
public final class WriterProbe: Sendable {
    private let fallbackReported = Atomic<Bool>(false)

    public init() {}

    /// Takes a read lease on `fd` (open read-only) and reports what it found. On `.held` the
    /// lease stays until `Syscall.releaseLease(fd)` or the descriptor is closed; while it is
    /// held, another process's open for writing waits for its release.
    public func lease(_ fd: Int32, name: String, logger: Logger) -> Syscall.ReadLease {
        let lease = Syscall.takeReadLease(fd)
        if case .unavailable(let error) = lease, !fallbackReported.exchange(true, ordering: .relaxed) {
            logger.warning(
                "cannot take a read lease, so a file still open for writing cannot be detected; files are taken on the settle time alone",
                metadata: ["file": "\(name)", "error": "\(error)"])
        }
        return lease
    }

    /// Whether the fallback has been reported (a lease was refused for a reason other than a writer).
    public var fellBack: Bool { fallbackReported.load(ordering: .relaxed) }
}
