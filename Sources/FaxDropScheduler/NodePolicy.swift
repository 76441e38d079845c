import Foundation

/// One Asterisk node as the scheduler sees it (issue 14): how many calls it may carry, which
/// destinations it serves, its share of the load and its carrier's call-rate limit.
public struct NodePolicy: Sendable, Equatable {
    public var name: String
    /// Calls this node may carry at once.
    public var maxChannels: Int
    /// E.164 prefixes (with `+`) it serves; empty, or `*`, makes it serve the default route.
    public var prefixes: [String]
    /// Its share when several nodes serve a route: calls go to the node with the fewest calls
    /// per unit of weight.
    public var weight: Int
    /// Calls started per second (a token bucket of `max(1, cps)` tokens); 0 means no limit.
    public var callsPerSecond: Double

    public init(name: String, maxChannels: Int, prefixes: [String] = [], weight: Int = 1, callsPerSecond: Double = 0) {
        self.name = name
        self.maxChannels = maxChannels
        self.prefixes = prefixes
        self.weight = max(1, weight)
        self.callsPerSecond = callsPerSecond
    }

    var servesDefault: Bool { prefixes.isEmpty || prefixes.contains("*") }
}

/// The routes a set of nodes makes: the nodes serving each destination, by the longest
/// prefix any node lists (a default route when none matches).
struct RouteTable: Sendable {
    /// Each route: the indices of the nodes serving it.
    private(set) var routes: [[Int]] = []
    private var routeOfNodes: [[Int]: Int] = [:]
    private let nodes: [NodePolicy]
    private var cache: [String: Int?] = [:]

    init(nodes: [NodePolicy]) { self.nodes = nodes }

    /// The route for `destination`, or `nil` when no node serves it.
    mutating func route(for destination: String) -> Int? {
        if let known = cache[destination] { return known }
        var best = -1
        var serving: [Int] = []
        for (index, node) in nodes.enumerated() {
            for prefix in node.prefixes where prefix != "*" && destination.hasPrefix(prefix) {
                if prefix.count > best {
                    best = prefix.count
                    serving = [index]
                } else if prefix.count == best, serving.last != index {
                    serving.append(index)
                }
            }
        }
        if serving.isEmpty { serving = nodes.indices.filter { nodes[$0].servesDefault } }
        let route: Int?
        if serving.isEmpty {
            route = nil
        } else if let known = routeOfNodes[serving] {
            route = known
        } else {
            routes.append(serving)
            routeOfNodes[serving] = routes.count - 1
            route = routes.count - 1
        }
        cache[destination] = route
        return route
    }
}

/// A node's calls-per-second limit: tokens refill continuously up to a burst of one
/// second's worth (at least one call).
struct TokenBucket: Sendable {
    let rate: Double
    private(set) var tokens: Double
    private(set) var updated: Date?

    init(rate: Double) {
        self.rate = rate
        tokens = max(1, rate)
    }

    var isUnlimited: Bool { rate <= 0 }

    private func level(at now: Date) -> Double {
        guard let updated else { return tokens }
        return min(max(1, rate), tokens + max(0, now.timeIntervalSince(updated)) * rate)
    }

    func hasToken(at now: Date) -> Bool { isUnlimited || level(at: now) >= 1 - 1e-9 }

    /// When the next call may start (`now` if one may now).
    func nextToken(after now: Date) -> Date {
        let current = level(at: now)
        guard !isUnlimited, current < 1 - 1e-9 else { return now }
        return now.addingTimeInterval((1 - current) / rate)
    }

    mutating func take(at now: Date) {
        guard !isUnlimited else { return }
        tokens = level(at: now) - 1
        updated = now
    }
}
