import FaxDropCore
import Foundation

/// The scheduler's bookkeeping of jobs, calls and Asterisk nodes (issue 14).
extension Scheduler {
    /// One node's state, for `status`, `check` and /metrics (the daemon's `NodeReport`).
    public struct NodeStatus: Sendable, Equatable, Codable {
        public var name: String
        public var up: Bool
        public var channelsInUse: Int
        public var maxChannels: Int
        /// Calls started on this node since the daemon started.
        public var callsStarted: Int
        /// Calls ended on it, by outcome: `sent`, an error code, or `unavailable` (not placed).
        public var outcomes: [String: Int]
    }

    /// Every configured node (none when the policy names none: one unnamed node).
    public var nodeStatuses: [NodeStatus] {
        guard !policy.nodes.isEmpty else { return [] }
        return nodes.indices.map {
            NodeStatus(
                name: nodes[$0].name, up: nodeUp[$0], channelsInUse: nodeLive[$0], maxChannels: nodes[$0].maxChannels,
                callsStarted: nodeCounters[nodes[$0].name]?.started ?? 0,
                outcomes: nodeCounters[nodes[$0].name]?.outcomes ?? [:])
        }
    }

    /// The jobs whose live call is on node `name`.
    public func calls(onNode name: String) -> [JobID] {
        guard let node = nodeIndex(named: name) else { return [] }
        return callNode.filter { $0.value == node }.map(\.key).sorted()
    }

    /// The node came up (its AMI session logged in): its channels take calls again.
    public mutating func nodeUp(_ name: String, now: Date) -> [SchedulerAction] {
        guard let node = nodeIndex(named: name), !nodeUp[node] else { return [] }
        nodeUp[node] = true
        return dispatch(now: now)
    }

    /// The node went down or refused login: it takes no new call. Its queued work goes to
    /// the other nodes serving the same routes; its live calls stay live until the driver
    /// reconciles them (`callEnded`) or gives them up (`callLost`).
    public mutating func nodeDown(_ name: String, now: Date) -> [SchedulerAction] {
        guard let node = nodeIndex(named: name), nodeUp[node] else { return [] }
        nodeUp[node] = false
        return []
    }

    // MARK: Internals

    func nodeIndex(named name: String?) -> Int? {
        guard !policy.nodes.isEmpty else { return nodes.isEmpty ? nil : 0 }
        guard let name else { return nil }
        return nodes.firstIndex { $0.name == name }
    }

    /// Whether any node serves `destination` (always, with the one unnamed node).
    func hasRoute(_ destination: String) -> Bool {
        nodes.contains { node in node.servesDefault || node.prefixes.contains { $0 != "*" && destination.hasPrefix($0) }
        }
    }

    /// Records the job (and re-indexes it: a waiting job joins the dispatch queues).
    mutating func setJob(_ id: JobID, _ record: JobRecord?) {
        jobs[id] = record
        guard let record, record.state == .waiting, !inCall.contains(id) else {
            index.remove(id)
            return
        }
        index.add(
            record, route: routeTable.route(for: record.destination) ?? -1,
            readyAt: max(record.notBefore ?? .distantPast, record.sendAt ?? .distantPast),
            killTime: killTime(record), exhausted: record.attempts.count >= policy.maxAttempts(for: record))
    }

    mutating func enterCall(_ id: JobID, destination: String, node: Int?) {
        inCall.insert(id)
        index.remove(id)
        liveByDestination[destination, default: 0] += 1
        if let node {
            callNode[id] = node
            nodeLive[node] += 1
        }
    }

    /// The call ended: its destination and node have room again. Returns the node it was on.
    mutating func leaveCall(_ id: JobID, destination: String) -> Int? {
        inCall.remove(id)
        let left = (liveByDestination[destination] ?? 1) - 1
        liveByDestination[destination] = left > 0 ? left : nil
        index.unpark(destination)
        guard let node = callNode.removeValue(forKey: id) else { return nil }
        nodeLive[node] -= 1
        return node
    }

    /// The node to place the next call of `route` on: up, with a free channel and a token,
    /// and the fewest calls per unit of weight (the first listed on a tie).
    func pickNode(route: Int, now: Date) -> Int? {
        var best: Int?
        for node in routeTable.routes[route]
        where nodeUp[node] && nodeLive[node] < nodes[node].maxChannels && buckets[node].hasToken(at: now) {
            guard let current = best else {
                best = node
                continue
            }
            if nodeLive[node] * nodes[current].weight < nodeLive[current] * nodes[node].weight { best = node }
        }
        return best
    }

    /// When a node of `route` may take a call (its token refills), or `nil` while every node
    /// serving it is down or full (a call ending or a node coming up is an event).
    func nextNodeOpening(route: Int, now: Date) -> Date? {
        guard routeTable.routes.indices.contains(route) else { return nil }
        var earliest: Date?
        for node in routeTable.routes[route] where nodeUp[node] && nodeLive[node] < nodes[node].maxChannels {
            let time = buckets[node].nextToken(after: now)
            earliest = min(earliest ?? time, time)
        }
        return earliest.map { $0 == now ? .distantPast : $0 }
    }

    /// Sets the nodes, routes and indexes up from the policy and the jobs held.
    mutating func rebuild() {
        let previous = Dictionary(zip(nodes.map(\.name), nodeUp), uniquingKeysWith: { a, _ in a })
        nodes = policy.nodes.isEmpty ? [NodePolicy(name: "", maxChannels: .max)] : policy.nodes
        nodeUp = nodes.map { previous[$0.name] ?? true }
        buckets = nodes.map { TokenBucket(rate: $0.callsPerSecond) }
        routeTable = RouteTable(nodes: nodes)
        nodeLive = Array(repeating: 0, count: nodes.count)
        liveByDestination = [:]
        callNode = [:]
        index = WaitingIndex()
        for id in inCall {
            guard let record = jobs[id] else { continue }
            liveByDestination[record.destination, default: 0] += 1
            if let node = nodeIndex(named: record.attempts.last?.node) {
                callNode[id] = node
                nodeLive[node] += 1
            }
        }
        for (id, record) in jobs { setJob(id, record) }
    }
}
