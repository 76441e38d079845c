import FaxDropCore
import FaxDropScheduler
import Foundation

/// Several Asterisk nodes (issue 14): the engine tells the scheduler which are up.
extension Engine {
    /// A node's AMI session logged in (`up`) or went away / was refused: the scheduler stops
    /// or resumes placing calls on it; jobs queued for it go to other nodes of their route.
    public func nodeChanged(_ node: String, up: Bool) async {
        let now = clock()
        let actions = up ? scheduler.nodeUp(node, now: now) : scheduler.nodeDown(node, now: now)
        var log = logger
        log[metadataKey: "node"] = "\(node)"
        if !up {
            let live = scheduler.calls(onNode: node)
            log.warning(
                "Asterisk node down: no new calls on it; its live calls wait for it to come back",
                metadata: ["live_calls": "\(live.count)"])
        } else {
            log.notice("Asterisk node up")
        }
        await apply(actions)
    }

    /// Every configured node's state as the scheduler sees it (empty with a single node).
    public var nodeReports: [NodeReport] {
        scheduler.nodeStatuses.map {
            NodeReport(
                name: $0.name, up: $0.up, channelsInUse: $0.channelsInUse, maxChannels: $0.maxChannels,
                callsStarted: $0.callsStarted, outcomes: $0.outcomes)
        }
    }
}

/// One Asterisk node's state, for /metrics and the status page.
public struct NodeReport: Sendable, Equatable, Codable {
    public var name: String
    public var up: Bool
    public var channelsInUse: Int
    public var maxChannels: Int
    public var callsStarted: Int
    /// Ended calls by outcome: `sent`, an error code, or `unavailable` (not placed).
    public var outcomes: [String: Int]

    public init(
        name: String, up: Bool, channelsInUse: Int, maxChannels: Int, callsStarted: Int, outcomes: [String: Int]
    ) {
        self.name = name
        self.up = up
        self.channelsInUse = channelsInUse
        self.maxChannels = maxChannels
        self.callsStarted = callsStarted
        self.outcomes = outcomes
    }
}
