import FaxDropCore
import FaxDropScheduler
import Foundation
import XCTest

/// `priority` (high before normal before low, never past the per-destination rules) and
/// `send_at` (never dialled before it; the kill time counts from it), with a property test
/// over simulated hours.
final class PriorityTests: XCTestCase {
    private func record(
        _ n: Int, to destination: String, priority: JobPriority? = nil, sendAt: Date? = nil, queuedAt: Date
    ) -> JobRecord {
        var r = makeRecord(n, to: destination, queuedAt: queuedAt)
        if let priority { r.options = JobOptions(priority: priority) }
        r.sendAt = sendAt
        return r
    }

    @discardableResult
    private func admit(_ h: inout Harness, _ r: JobRecord, pages: Int = 2) -> [SchedulerAction] {
        let admitted = h.scheduler.admit(r, now: h.now)
        guard admitted.renders == [r.jobID] else { return admitted }
        return admitted
            + h.scheduler.renderSucceeded(
                r.jobID, pages: pages, pageBytes: Array(repeating: 1000, count: pages), format: .pdf, now: h.now)
    }

    func testHighGoesAheadOfOlderNormalAndLowGoesLast() {
        var h = Harness(SchedulerPolicy(maxCalls: 1))
        admit(&h, record(9, to: "+15550009999", queuedAt: t0))
        admit(&h, record(1, to: "+15550001001", priority: .low, queuedAt: t0.addingTimeInterval(1)))
        admit(&h, record(2, to: "+15550001002", queuedAt: t0.addingTimeInterval(2)))
        admit(&h, record(3, to: "+15550001003", priority: .high, queuedAt: t0.addingTimeInterval(3)))
        admit(&h, record(4, to: "+15550001004", priority: .normal, queuedAt: t0.addingTimeInterval(4)))
        XCTAssertEqual(h.end(9, sent(pages: 2)).calls, [call(3)])
        XCTAssertEqual(h.end(3, sent(pages: 2)).calls, [call(2)])
        XCTAssertEqual(h.end(2, sent(pages: 2)).calls, [call(4)])
        XCTAssertEqual(h.end(4, sent(pages: 2)).calls, [call(1)])
    }

    /// A high job for a number already in a call waits; a normal job to another number goes.
    func testHighNeverPassesThePerDestinationRule() {
        var h = Harness(SchedulerPolicy(maxCalls: 2))
        XCTAssertEqual(admit(&h, record(1, to: "+15550001001", queuedAt: t0)).calls, [call(1)])
        h.now = t0.addingTimeInterval(1)
        XCTAssertEqual(admit(&h, record(2, to: "+15550001001", priority: .high, queuedAt: h.now)).calls, [])
        XCTAssertEqual(admit(&h, record(3, to: "+15550001003", queuedAt: h.now)).calls, [call(3)])
        XCTAssertEqual(h.job(2)?.state, .waiting)
        XCTAssertEqual(h.end(1, sent(pages: 2)).calls, [call(2)])
    }

    func testSendAtHoldsTheJobAndWakesTheScheduler() {
        var h = Harness(SchedulerPolicy(killAfter: 600))
        let at = t0.addingTimeInterval(7200)  // past the kill time counted from queueing
        XCTAssertEqual(admit(&h, record(1, to: "+15550001001", priority: .high, sendAt: at, queuedAt: t0)).calls, [])
        XCTAssertEqual(h.job(1)?.state, .waiting)
        XCTAssertEqual(h.scheduler.nextWakeup(after: h.now), at)
        XCTAssertEqual(h.advance(7199).calls, [])
        XCTAssertEqual(h.advance(to: at).calls, [call(1)])
        // A busy retry is still within the kill time counted from send_at.
        XCTAssertEqual(h.end(1, failed(.busy)).finishes, [], "retried, not expired")
        XCTAssertEqual(h.job(1)?.state, .waiting)
    }

    /// Random jobs (numbers, priorities, send_at) and random call outcomes over simulated
    /// hours: at every step the limits hold, nothing is dialled before its send_at, and no
    /// job that could have been dialled is left waiting while a lower-priority one started.
    func testPriorityNeverBreaksTheRulesProperty() {
        var generator = SystemRandomNumberGenerator()
        for seed in 0..<60 {
            let maxCalls = Int.random(in: 1...3, using: &generator)
            let policy = SchedulerPolicy(
                maxCalls: maxCalls, maxCallsPerDestination: 1, maxAttempts: 3, killAfter: 4 * 3600, retryBusy: 120,
                retryNoAnswer: 300, retryCongestion: 60, retryFax: 30)
            var h = Harness(policy)
            var next = 1
            var live: Set<JobID> = []
            let numbers = (0..<4).map { "+1555000200\($0)" }
            for _ in 0..<120 {
                var actions: [SchedulerAction] = []
                switch Int.random(in: 0..<10, using: &generator) {
                case 0..<4:
                    let sendAt: Date? =
                        Bool.random(using: &generator)
                        ? h.now.addingTimeInterval(Double(Int.random(in: 0...1800, using: &generator))) : nil
                    let r = record(
                        next, to: numbers.randomElement(using: &generator)!,
                        priority: JobPriority.allCases.randomElement(using: &generator), sendAt: sendAt, queuedAt: h.now
                    )
                    next += 1
                    actions = admit(&h, r)
                case 4..<7:
                    if let id = live.randomElement(using: &generator) {
                        let outcome = [sent(pages: 2), failed(.busy), failed(.noAnswer), failed(.rejected)]
                            .randomElement(using: &generator)!
                        live.remove(id)
                        actions = h.scheduler.callEnded(id, outcome, now: h.now)
                    }
                default:
                    actions = h.advance(Double(Int.random(in: 1...600, using: &generator)))
                }
                for c in actions.calls { live.insert(c.id) }
                for c in actions.finishes { h.scheduler.finished(c) }
                check(h, started: actions.calls.map(\.id), live: live, policy: policy, seed: seed)
            }
        }
    }

    private func check(_ h: Harness, started: [JobID], live: Set<JobID>, policy: SchedulerPolicy, seed: Int) {
        XCTAssertLessThanOrEqual(live.count, policy.maxCalls, "seed \(seed)")
        var busy: [String: Int] = [:]
        for id in live { busy[h.scheduler.jobs[id]!.destination, default: 0] += 1 }
        XCTAssertTrue(busy.values.allSatisfy { $0 <= policy.maxCallsPerDestination }, "seed \(seed)")
        for id in started {
            let job = h.scheduler.jobs[id]!
            XCTAssertLessThanOrEqual(job.sendAt ?? .distantPast, h.now, "dialled before send_at, seed \(seed)")
            for other in h.scheduler.jobs.values
            where other.state == .waiting && other.priority < job.priority
                && (other.notBefore ?? .distantPast) <= h.now && (other.sendAt ?? .distantPast) <= h.now
            {
                XCTAssertGreaterThanOrEqual(
                    busy[other.destination, default: 0], policy.maxCallsPerDestination,
                    "a \(other.priority) job could go but a \(job.priority) one went, seed \(seed)")
            }
        }
    }
}
