import FaxDropCore
import FaxDropScheduler
import Foundation
import XCTest

/// Calls spread over several Asterisk nodes (issue 14): per-node channels, routes by longest
/// prefix, weights, nodes going down and coming back, calls per second.
final class NodeSchedulingTests: XCTestCase {
    func node(
        _ name: String, _ channels: Int, _ prefixes: [String] = [], weight: Int = 1, cps: Double = 0
    ) -> NodePolicy {
        NodePolicy(name: name, maxChannels: channels, prefixes: prefixes, weight: weight, callsPerSecond: cps)
    }

    func harness(_ nodes: [NodePolicy], maxCalls: Int = 100) -> Harness {
        var policy = SchedulerPolicy(maxCalls: maxCalls)
        policy.nodes = nodes
        return Harness(policy)
    }

    func nodeOf(_ h: Harness, _ n: Int) -> String? { h.job(n)?.attempts.last?.node }

    func destination(_ n: Int, prefix: String = "+1555") -> String {
        prefix + String(repeating: "0", count: 10 - prefix.count) + String(format: "%04d", n)
    }

    func testEachNodeCarriesAtMostItsChannels() {
        var h = harness([node("a", 2), node("b", 1)])
        var calls: [Call] = []
        for n in 1...5 { calls += h.queue(n, to: destination(n)).calls }
        XCTAssertEqual(calls, [call(1), call(2), call(3)])
        let statuses = h.scheduler.nodeStatuses
        XCTAssertEqual(statuses.map(\.channelsInUse), [2, 1])
        XCTAssertEqual([1, 2, 3].compactMap { nodeOf(h, $0) }.sorted(), ["a", "a", "b"])
        // A call ending on b frees b only: the next job goes there.
        let b = [1, 2, 3].first { nodeOf(h, $0) == "b" }!
        XCTAssertEqual(h.end(b, sent(pages: 5)).calls, [call(4)])
        XCTAssertEqual(nodeOf(h, 4), "b")
    }

    func testTheLongestPrefixWinsAndTheDefaultRouteTakesTheRest() {
        var h = harness([node("us", 5, ["+1"]), node("nyc", 5, ["+1212", "+1646"]), node("rest", 5, ["*"])])
        h.queue(1, to: "+12125550100")
        h.queue(2, to: "+13125550100")
        h.queue(3, to: "+442071234567")
        h.queue(4, to: "+16465550100")
        XCTAssertEqual([1, 2, 3, 4].map { nodeOf(h, $0) }, ["nyc", "us", "rest", "nyc"])
    }

    func testAFullRouteWaitsRatherThanTakingAnotherRoutesNode() {
        var h = harness([node("nyc", 1, ["+1212"]), node("rest", 5)])
        XCTAssertEqual(h.queue(1, to: "+12125550100").calls, [call(1)])
        XCTAssertEqual(h.queue(2, to: "+12125550101").calls, [], "nyc is full and only nyc serves +1212")
        XCTAssertEqual(h.queue(3, to: "+13125550100").calls, [call(3)])
        XCTAssertEqual(nodeOf(h, 3), "rest")
        XCTAssertEqual(h.end(1, sent(pages: 5)).calls, [call(2)])
        XCTAssertEqual(nodeOf(h, 2), "nyc")
    }

    func testCallsSpreadByWeight() {
        var h = harness([node("big", 100, weight: 3), node("small", 100, weight: 1)])
        for n in 1...40 { h.queue(n, to: destination(n)) }
        let placed = (1...40).compactMap { nodeOf(h, $0) }
        XCTAssertEqual(placed.filter { $0 == "big" }.count, 30)
        XCTAssertEqual(placed.filter { $0 == "small" }.count, 10)
    }

    func testADownNodeTakesNoCallsAndItsQueueGoesElsewhereWithoutBurningAnAttempt() {
        var h = harness([node("a", 10), node("b", 10)], maxCalls: 100)
        XCTAssertEqual(h.scheduler.nodeDown("a", now: h.now), [])
        for n in 1...4 { h.queue(n, to: destination(n)) }
        XCTAssertEqual((1...4).map { nodeOf(h, $0) }, ["b", "b", "b", "b"])
        XCTAssertEqual(h.scheduler.nodeStatuses.map(\.up), [false, true])

        // Up again: a takes its share of what comes next.
        XCTAssertEqual(h.scheduler.nodeUp("a", now: h.now), [])
        h.queue(5, to: destination(5))
        XCTAssertEqual(nodeOf(h, 5), "a")

        // a goes down under a call that was never placed: the job goes to b at once, and
        // the attempt on a does not count.
        _ = h.scheduler.nodeDown("a", now: h.now)
        let retried = h.end(5, unavailable)
        XCTAssertEqual(retried.calls, [call(5)], "retried on another node at once, as attempt 1 again")
        XCTAssertEqual(h.job(5)?.attempts.count, 1)
        XCTAssertEqual(nodeOf(h, 5), "b")
    }

    func testQueuedJobsWaitForANodeWhenAllOfTheirRouteIsDown() {
        var h = harness([node("a", 10)])
        _ = h.scheduler.nodeDown("a", now: h.now)
        XCTAssertEqual(h.queue(1).calls, [])
        XCTAssertEqual(h.queue(2, to: "+15550002000").calls, [])
        XCTAssertEqual(h.scheduler.nextWakeup(after: h.now), t0.addingTimeInterval(3 * 3600), "only the kill time")
        XCTAssertEqual(h.scheduler.nodeUp("a", now: h.now).calls, [call(1), call(2)])
        XCTAssertEqual(h.job(1)?.attempts.count, 1)
    }

    func testACallLostOnADeadNodeIsRetriedElsewhereResumedAndNeverTwiceLive() {
        var h = harness([node("a", 10), node("b", 10, weight: 1)])
        h.queue(1, pages: 5)
        XCTAssertEqual(nodeOf(h, 1), "a")
        XCTAssertEqual(h.scheduler.nodeDown("a", now: h.now), [], "the live call stays live")
        XCTAssertEqual(h.scheduler.calls(onNode: "a"), [jid(1)])
        XCTAssertEqual(h.advance(30).calls, [], "no second call while the first may still be live")
        // The grace period passed: the call is counted interrupted after 2 pages.
        let after = h.scheduler.callEnded(
            jid(1), CallResult(status: .failed(.interrupted), pagesSent: 2), now: h.now)
        XCTAssertEqual(after.calls, [])
        XCTAssertEqual(h.job(1)?.attempts.last?.outcome, "interrupted")
        let retry = h.advance(60)
        XCTAssertEqual(retry.calls, [call(1, attempt: 2, firstPage: 3)])
        XCTAssertEqual(nodeOf(h, 1), "b")
        XCTAssertEqual(h.scheduler.calls(onNode: "a"), [])
    }

    func testCallsPerSecondIsATokenBucketPerNode() {
        var h = harness([node("trunk", 100, cps: 2)])
        var started: [Date: Int] = [:]
        for n in 1...7 { started[h.now, default: 0] += h.queue(n, to: destination(n)).calls.count }
        XCTAssertEqual(started[t0], 2, "a burst of one second's worth")
        XCTAssertEqual(h.scheduler.nextWakeup(after: h.now), t0.addingTimeInterval(0.5))
        while let wake = h.scheduler.nextWakeup(after: h.now), wake < t0.addingTimeInterval(10) {
            started[wake, default: 0] += h.advance(to: wake).calls.count
        }
        XCTAssertEqual(
            started.keys.sorted().map { $0.timeIntervalSince(t0) }, [0, 0.5, 1, 1.5, 2, 2.5],
            "one call every half second after the burst")
        XCTAssertEqual(started.values.sorted(), [1, 1, 1, 1, 1, 2])
        XCTAssertEqual(h.scheduler.callsInProgress, 7)
    }

    func testADestinationNoNodeServesFails() {
        var h = harness([node("us", 10, ["+1"])])
        let actions = h.queue(1, to: "+442071234567")
        XCTAssertEqual(actions.finishes, [jid(1)])
        XCTAssertEqual(h.job(1)?.lastError?.error.code, .destinationBlocked)
        XCTAssertEqual(h.queue(2, to: "+12125550100").calls, [call(2)])
    }

    func testRecoveredLiveCallsHoldTheirNodesChannels() {
        var h = harness([node("a", 1), node("b", 1)])
        var live = makeRecord(1, state: .dialing)
        live.pagesTotal = 3
        var attempt = AttemptRecord(number: 1, startedAt: t0)
        attempt.node = "b"
        live.attempts = [attempt]
        var waiting = makeRecord(2, to: "+15550002000", state: .waiting)
        waiting.pagesTotal = 3
        let actions = h.scheduler.admit([live, waiting], now: h.now)
        XCTAssertEqual(actions.reconciles, [jid(1)])
        XCTAssertEqual(actions.calls, [call(2)])
        XCTAssertEqual(nodeOf(h, 2), "a", "b's one channel is held by the call being reconciled")
        XCTAssertEqual(h.scheduler.nodeStatuses.map(\.channelsInUse), [1, 1])
    }
}
