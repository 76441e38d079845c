import FaxDropCore
import FaxDropDaemon
import FaxDropSystem
import Foundation

extension Diagnostics {
    /// Whether the daemon can tell that a file in the drop zone is still open for writing:
    /// that takes a read lease, which the kernel and the spool's filesystem must allow, and
    /// on files owned by other users (scanners, SMB users) the `CAP_LEASE` capability.
    /// Without it FaxDrop falls back to the settle time alone.
    func leases() -> Finding {
        let fallback = "files still open for writing are recognised only by the settle time (FAXDROP_SETTLE_MS)"
        let spool = Spool(root: configuration.spool)
        let probe = spool.tmp + "/.lease-probe.\(getpid()).tmp"
        guard let fd = try? Syscall.open(probe, O_RDONLY | O_CREAT | O_EXCL, mode: 0o600) else {
            return Finding("leases", .warning, "cannot create a probe file in \(spool.tmp); \(fallback)")
        }
        defer {
            Syscall.close(fd)
            try? Syscall.unlink(probe)
        }
        if case .unavailable(let error) = Syscall.takeReadLease(fd) {
            return Finding("leases", .warning, "read leases are refused in \(spool.tmp) (\(error)); \(fallback)")
        }
        Syscall.releaseLease(fd)
        if !Self.hasLeaseCapability() {
            return Finding(
                "leases", .warning,
                "no CAP_LEASE: leases on files owned by other users (scanners, SMB users) are refused; \(fallback) "
                    + "for those (give the service CAP_LEASE, e.g. AmbientCapabilities=CAP_LEASE)")
        }
        return Finding("leases", .ok, "a file still open for writing is never taken (read leases, CAP_LEASE)")
    }

    /// `CAP_LEASE` (capability 28) in this process's effective set, from `/proc/self/status`.
    static func hasLeaseCapability() -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
            let mask = UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return false }
        return mask & (1 << 28) != 0
    }
}
