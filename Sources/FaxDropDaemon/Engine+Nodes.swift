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
    public var nodeReports: [NodeReport] { scheduler.nodeStatuses }
}

/// One Asterisk node's state, for /metrics and the status page: the scheduler's own record.
public typealias NodeReport = Scheduler.NodeStatus
