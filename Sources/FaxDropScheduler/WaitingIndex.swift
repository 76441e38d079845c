import FaxDropCore
import Foundation

/// The order jobs are dialled in: `high` priority first, then oldest first, then by id.
struct WaitKey: Comparable, Hashable, Sendable {
    var rank: Int
    var queuedAt: Date
    var id: JobID

    static func < (a: WaitKey, b: WaitKey) -> Bool { (a.rank, a.queuedAt, a.id) < (b.rank, b.queuedAt, b.id) }
}

/// One entry of a lazily pruned heap: valid while its job's member still has `generation`.
struct IndexEntry<Key: Comparable & Sendable>: Comparable, Sendable {
    var key: Key
    var generation: UInt64
    var id: JobID

    static func < (a: IndexEntry, b: IndexEntry) -> Bool {
        a.key < b.key || (a.key == b.key && a.generation < b.generation)
    }
}

/// A destination that may hold the next call, ordered by its first waiting job.
struct OpenEntry: Comparable, Sendable {
    var key: WaitKey
    var destination: String
    static func < (a: OpenEntry, b: OpenEntry) -> Bool { (a.key, a.destination) < (b.key, b.destination) }
}

/// A destination parked until a time (its per-hour window opens).
struct TimedDestination: Comparable, Sendable {
    var time: Date
    var destination: String
    static func < (a: TimedDestination, b: TimedDestination) -> Bool {
        (a.time, a.destination) < (b.time, b.destination)
    }
}

/// The waiting jobs (state `waiting`, no live call), indexed so that a dispatch touches only
/// the jobs it starts or fails, never the whole queue (issue 14). Heaps are pruned lazily:
/// an entry whose job changed since carries an old generation and is skipped.
///
/// A member moves `future` (its `notBefore` / `send_at` lies ahead) → `ready` (in its
/// destination's queue) or `doomed` (it may never be dialled again: past its kill time or
/// out of attempts — the dispatch fails it in turn).
struct WaitingIndex: Sendable {
    enum Stage: Sendable { case future, ready, doomed }

    /// A waiting job. Whether it is past its kill time or out of attempts, `overdue` and
    /// `exhausted` say.
    struct Member: Sendable {
        var generation: UInt64
        var destination: String
        var route: Int
        var key: WaitKey
        var killTime: Date
        var stage: Stage = .future
    }

    private(set) var members: [JobID: Member] = [:]
    private var nextGeneration: UInt64 = 0
    private var future = MinHeap<IndexEntry<Date>>()
    /// Every member by kill time; members already past it are in `overdue`.
    private var kills = MinHeap<IndexEntry<Date>>()
    private(set) var overdue: Set<JobID> = []
    /// Members out of attempts.
    private(set) var exhausted: Set<JobID> = []
    private var doomed = MinHeap<IndexEntry<WaitKey>>()
    private var readyByDestination: [String: MinHeap<IndexEntry<WaitKey>>] = [:]
    /// Every member by the time it may start, per destination (for `nextWakeup`).
    private(set) var readyAtByDestination: [String: MinHeap<IndexEntry<Date>>] = [:]
    private var openByRoute: [Int: MinHeap<OpenEntry>] = [:]
    /// Destinations held by their own limits (calls in progress, the per-hour window).
    private(set) var parked: Set<String> = []
    private var hourParked = MinHeap<TimedDestination>()
    private var removalsSinceCompaction = 0

    var count: Int { members.count }

    /// The earliest kill time among members not yet past theirs.
    var earliestKill: Date? { kills.min?.key }

    // MARK: Membership

    /// The job changed: it joins the index when it waits, leaves it otherwise.
    mutating func remove(_ id: JobID) {
        guard let member = members.removeValue(forKey: id) else { return }
        overdue.remove(id)
        exhausted.remove(id)
        removalsSinceCompaction += 1
        Self.clean(&kills, members)
        if var heap = readyAtByDestination.removeValue(forKey: member.destination) {
            Self.clean(&heap, members)
            if !heap.isEmpty { readyAtByDestination[member.destination] = heap }
        }
        if member.stage == .ready { headChanged(member.destination, route: member.route) }
        if removalsSinceCompaction > members.count + 4096 { compact() }
    }

    mutating func add(
        _ record: JobRecord, route: Int, readyAt: Date, killTime: Date, exhausted: Bool
    ) {
        remove(record.jobID)
        nextGeneration += 1
        let member = Member(
            generation: nextGeneration, destination: record.destination, route: route,
            key: WaitKey(rank: record.priority.rank, queuedAt: record.queuedAt, id: record.jobID),
            killTime: killTime)
        members[record.jobID] = member
        if exhausted { self.exhausted.insert(record.jobID) }
        future.insert(IndexEntry(key: readyAt, generation: member.generation, id: record.jobID))
        kills.insert(IndexEntry(key: killTime, generation: member.generation, id: record.jobID))
        readyAtByDestination[record.destination, default: MinHeap()].insert(
            IndexEntry(key: readyAt, generation: member.generation, id: record.jobID))
    }

    // MARK: Time

    /// Moves the members whose time came: due ones into their destination's queue (or the
    /// doomed queue), those past their kill time into the doomed queue, and frees the
    /// destinations whose per-hour window opened.
    mutating func advance(to now: Date) {
        while let entry = kills.min, entry.key <= now {
            kills.removeMin()
            guard var member = members[entry.id], member.generation == entry.generation else { continue }
            overdue.insert(entry.id)
            let wasReady = member.stage == .ready
            if wasReady {
                member.stage = .doomed
                doomed.insert(IndexEntry(key: member.key, generation: member.generation, id: entry.id))
            }
            members[entry.id] = member
            if wasReady { headChanged(member.destination, route: member.route) }
        }
        Self.clean(&kills, members)
        while let entry = future.min, entry.key <= now {
            future.removeMin()
            guard var member = members[entry.id], member.generation == entry.generation, member.stage == .future
            else { continue }
            if overdue.contains(entry.id) || exhausted.contains(entry.id) || member.killTime <= now {
                member.stage = .doomed
                members[entry.id] = member
                doomed.insert(IndexEntry(key: member.key, generation: member.generation, id: entry.id))
            } else {
                member.stage = .ready
                members[entry.id] = member
                readyByDestination[member.destination, default: MinHeap()].insert(
                    IndexEntry(key: member.key, generation: member.generation, id: entry.id))
                // Only a destination's first job needs an entry among the open destinations
                // (the next one gets its entry when the first leaves), so that heap stays
                // as small as the number of destinations.
                if head(of: member.destination)?.id == entry.id {
                    openByRoute[member.route, default: MinHeap()].insert(
                        OpenEntry(key: member.key, destination: member.destination))
                }
            }
        }
        while let entry = hourParked.min, entry.time <= now {
            hourParked.removeMin()
            unpark(entry.destination)
        }
    }

    // MARK: Queues

    /// The first doomed member, if any.
    mutating func firstDoomed() -> (key: WaitKey, id: JobID)? {
        while let entry = doomed.min {
            if let member = members[entry.id], member.generation == entry.generation, member.stage == .doomed {
                return (member.key, entry.id)
            }
            doomed.removeMin()
        }
        return nil
    }

    /// The first ready member of `destination`.
    mutating func head(of destination: String) -> (key: WaitKey, id: JobID)? {
        // Taken out of the dictionary while pruned, so it is never copied.
        guard var heap = readyByDestination.removeValue(forKey: destination) else { return nil }
        defer { if !heap.isEmpty { readyByDestination[destination] = heap } }
        while let entry = heap.min {
            if let member = members[entry.id], member.generation == entry.generation, member.stage == .ready {
                return (member.key, entry.id)
            }
            heap.removeMin()
        }
        return nil
    }

    /// The destination on `route` whose first ready job comes first, among those not parked.
    mutating func firstOpen(route: Int) -> (key: WaitKey, destination: String)? {
        guard var heap = openByRoute.removeValue(forKey: route) else { return nil }
        defer { if !heap.isEmpty { openByRoute[route] = heap } }
        while let entry = heap.min {
            if !parked.contains(entry.destination), let head = head(of: entry.destination), head.key == entry.key {
                return (entry.key, entry.destination)
            }
            heap.removeMin()
        }
        return nil
    }

    /// Holds `destination` back until a call to it ends (`until` nil) or until `until`.
    mutating func park(_ destination: String, until: Date?) {
        parked.insert(destination)
        if let until { hourParked.insert(TimedDestination(time: until, destination: destination)) }
    }

    /// The destination's limits may let a call through again.
    mutating func unpark(_ destination: String) {
        guard parked.remove(destination) != nil, let head = head(of: destination),
            let route = members[head.id]?.route
        else { return }
        openByRoute[route, default: MinHeap()].insert(OpenEntry(key: head.key, destination: destination))
    }

    /// The destination's first ready member left: offer the next one.
    private mutating func headChanged(_ destination: String, route: Int) {
        guard !parked.contains(destination), let head = head(of: destination) else { return }
        openByRoute[route, default: MinHeap()].insert(OpenEntry(key: head.key, destination: destination))
    }

    // MARK: Pruning

    /// Drops stale entries from the top. Static, and given the members apart, so that a
    /// heap stored in the index is pruned in place, never copied out and back.
    private static func clean(_ heap: inout MinHeap<IndexEntry<Date>>, _ members: [JobID: Member]) {
        while let entry = heap.min, members[entry.id]?.generation != entry.generation { heap.removeMin() }
    }

    /// Drops every stale entry, so churn over weeks never grows the heaps past the queue.
    private mutating func compact() {
        removalsSinceCompaction = 0
        let members = self.members
        func current<K>(_ e: IndexEntry<K>) -> Bool { members[e.id]?.generation == e.generation }
        future.filter { current($0) && members[$0.id]?.stage == .future }
        let overdue = self.overdue
        kills.filter { current($0) && !overdue.contains($0.id) }
        doomed.filter { current($0) && members[$0.id]?.stage == .doomed }
        for (destination, var heap) in readyByDestination {
            heap.filter { current($0) && members[$0.id]?.stage == .ready }
            readyByDestination[destination] = heap.isEmpty ? nil : heap
        }
        for (destination, var heap) in readyAtByDestination {
            heap.filter { current($0) }
            readyAtByDestination[destination] = heap.isEmpty ? nil : heap
        }
        var heads: [Int: MinHeap<OpenEntry>] = [:]
        for (destination, heap) in readyByDestination where !parked.contains(destination) {
            guard let first = heap.min, let member = members[first.id] else { continue }
            heads[member.route, default: MinHeap()].insert(OpenEntry(key: member.key, destination: destination))
        }
        openByRoute = heads
    }
}
