import FaxDropSystem

/// Decides when a file in the drop zone is complete: it was closed after writing, renamed
/// in or found by a scan, and has since been quiet — no size or mtime change — for the
/// settle time (SPEC §1). Scanners and SMB clients open and close a file several times,
/// so each new sign of activity restarts the wait. Pure: time and `lstat` are passed in.
public struct SettleTracker: Sendable {
    struct Candidate: Sendable {
        var size: Int64
        var modified: Int64
        var quietSince: Double
    }

    public let settleSeconds: Double
    private var candidates: [String: Candidate] = [:]

    public init(settleSeconds: Double) {
        self.settleSeconds = settleSeconds
    }

    public var count: Int { candidates.count }

    /// A sign of activity (close-after-write, rename-in) on `path` at `now`: the wait
    /// starts again.
    public mutating func note(_ path: String, status: FileStatus?, now: Double) {
        guard let status else {
            candidates[path] = nil
            return
        }
        candidates[path] = Candidate(size: status.size, modified: status.modifiedNanoseconds, quietSince: now)
    }

    /// A scan found `path`: tracked from now if it is new; an entry already tracked keeps
    /// its wait (only a change of size or mtime, seen by `poll`, restarts it), so rescans
    /// more frequent than the settle time cannot hold a file back forever.
    public mutating func noteFound(_ path: String, status: FileStatus?, now: Double) {
        guard candidates[path] == nil else { return }
        note(path, status: status, now: now)
    }

    /// Re-examines every candidate; returns those that have been quiet for the settle time
    /// and stops tracking them. Candidates that vanished are dropped.
    public mutating func poll(now: Double, status: (String) -> FileStatus?) -> [String] {
        var ready: [String] = []
        for (path, candidate) in candidates {
            guard let current = status(path) else {
                candidates[path] = nil
                continue
            }
            if current.kind != .regular {
                // Links, FIFOs, sockets and folders never settle by writing; take them as found.
                ready.append(path)
                candidates[path] = nil
                continue
            }
            if current.size != candidate.size || current.modifiedNanoseconds != candidate.modified {
                candidates[path] = Candidate(size: current.size, modified: current.modifiedNanoseconds, quietSince: now)
            } else if now - candidate.quietSince >= settleSeconds {
                ready.append(path)
                candidates[path] = nil
            }
        }
        return ready.sorted()
    }

    public func isTracking(_ path: String) -> Bool { candidates[path] != nil }
}
