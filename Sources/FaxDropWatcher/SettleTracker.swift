import FaxDropSystem

/// Decides when a file in the drop zone is complete: it was closed after writing, renamed
/// in or found by a scan, and has since been quiet — no size or mtime change — for the
/// settle time (SPEC §1). Scanners and SMB clients open and close a file several times,
/// so each new sign of activity restarts the wait. Pure: time and `lstat` are passed in.
///
/// Each candidate has a deadline (its last sign of activity plus the settle time), kept in
/// a heap: only candidates whose deadline has come are looked at again, so one file
/// settling costs one `lstat`, whatever else is pending. A change of size or mtime found
/// at the deadline (a writer that grows a file without closing it) restarts the wait from
/// the moment it is seen.
public struct SettleTracker: Sendable {
    /// What was known of a candidate at its last sign of activity.
    public struct Candidate: Sendable, Equatable {
        var size: Int64
        var modified: Int64
        var quietSince: Double
        /// Links, FIFOs, sockets and folders never settle by writing: due at once.
        var settles: Bool
    }

    /// A candidate whose deadline has come, to be looked at (`lstat`) and then `decide`d.
    public struct Due: Sendable {
        public let path: String
        let candidate: Candidate
    }

    public let settleSeconds: Double
    private var candidates: [String: Candidate] = [:]
    /// Deadlines, earliest first. An entry whose candidate was noted again since (or
    /// dropped) is stale and skipped when it comes up.
    private var deadlines = DeadlineHeap()

    public init(settleSeconds: Double) {
        self.settleSeconds = settleSeconds
    }

    public var count: Int { candidates.count }

    /// The earliest deadline of a candidate (possibly a stale one, which only wakes the
    /// caller early), or `nil` with none pending.
    public var nextDeadline: Double? { deadlines.first?.at }

    /// A sign of activity (close-after-write, rename-in) on `path` at `now`: the wait
    /// starts again.
    public mutating func note(_ path: String, status: FileStatus?, now: Double) {
        guard let status else {
            candidates[path] = nil
            return
        }
        track(path, Candidate(status, quietSince: now))
    }

    /// A scan found `path`: tracked from now if it is new; an entry already tracked keeps
    /// its wait (only a change of size or mtime restarts it), so rescans more frequent
    /// than the settle time cannot hold a file back forever.
    public mutating func noteFound(_ path: String, status: FileStatus?, now: Double) {
        guard candidates[path] == nil else { return }
        note(path, status: status, now: now)
    }

    /// Takes the candidates whose deadline is at or before `now` off the heap, without
    /// looking at any file: the caller `lstat`s these (and only these) and hands the
    /// results to `decide`. The candidates stay tracked until then.
    public mutating func takeDue(now: Double) -> [Due] {
        var due: [Due] = []
        while let top = deadlines.first, top.at <= now {
            deadlines.removeFirst()
            guard let candidate = candidates[top.path], deadline(of: candidate) == top.at else { continue }
            due.append(Due(path: top.path, candidate: candidate))
        }
        return due
    }

    /// Settles what `takeDue` returned, given each file's current status (`nil`: gone).
    /// Returns the paths that are ready, in order, and stops tracking them; a vanished file
    /// is dropped; a changed one waits again from `now`. A candidate noted again since
    /// `takeDue` keeps its new wait.
    public mutating func decide(_ looked: [(due: Due, status: FileStatus?)], now: Double) -> [String] {
        var ready: [String] = []
        for (due, current) in looked where candidates[due.path] == due.candidate {
            guard let current else {
                candidates[due.path] = nil
                continue
            }
            if current.kind != .regular {
                ready.append(due.path)
                candidates[due.path] = nil
            } else if current.size != due.candidate.size || current.modifiedNanoseconds != due.candidate.modified {
                track(due.path, Candidate(current, quietSince: now))
            } else {
                ready.append(due.path)
                candidates[due.path] = nil
            }
        }
        return ready.sorted()
    }

    /// `takeDue` and `decide` in one step, `status` called for each due candidate only.
    public mutating func poll(now: Double, status: (String) -> FileStatus?) -> [String] {
        let due = takeDue(now: now)
        return decide(due.map { (due: $0, status: status($0.path)) }, now: now)
    }

    public func isTracking(_ path: String) -> Bool { candidates[path] != nil }

    private mutating func track(_ path: String, _ candidate: Candidate) {
        candidates[path] = candidate
        deadlines.insert(at: deadline(of: candidate), path: path)
    }

    private func deadline(of candidate: Candidate) -> Double {
        candidate.settles ? candidate.quietSince + settleSeconds : candidate.quietSince
    }
}

extension SettleTracker.Candidate {
    init(_ status: FileStatus, quietSince: Double) {
        self.init(
            size: status.size, modified: status.modifiedNanoseconds, quietSince: quietSince,
            settles: status.kind == .regular)
    }
}

/// A binary min-heap of (deadline, path).
struct DeadlineHeap: Sendable {
    private var items: [(at: Double, path: String)] = []

    var first: (at: Double, path: String)? { items.first }

    mutating func insert(at: Double, path: String) {
        items.append((at, path))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].at < items[parent].at else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func removeFirst() {
        guard !items.isEmpty else { return }
        items.swapAt(0, items.count - 1)
        items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count && items[left].at < items[smallest].at { smallest = left }
            if right < items.count && items[right].at < items[smallest].at { smallest = right }
            guard smallest != parent else { return }
            items.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
