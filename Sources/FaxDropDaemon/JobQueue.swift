import FaxDropCore

/// Job ids in arrival order: the jobs waiting for a render slot. Appending and taking the
/// first are O(1); the space of ids taken is given back once it is half the storage.
struct JobQueue: Sendable {
    private var ids: [JobID] = []
    private var head = 0

    var count: Int { ids.count - head }

    mutating func append(_ id: JobID) { ids.append(id) }

    mutating func popFirst() -> JobID? {
        guard head < ids.count else { return nil }
        let id = ids[head]
        head += 1
        if head == ids.count {
            ids.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 && head * 2 >= ids.count {
            ids.removeFirst(head)
            head = 0
        }
        return id
    }

    /// Every id still queued, in order; the queue is left empty.
    mutating func drain() -> [JobID] {
        defer {
            ids = []
            head = 0
        }
        return Array(ids[head...])
    }
}
