import FaxDropCore
import FaxDropScheduler
import Foundation
import XCTest

/// Calls per destination, calls in total, the order of dispatch and the per-hour limit.
final class ConcurrencyTests: XCTestCase {
    func testOneCallAtATimePerDestination() {
        var h = Harness()
        XCTAssertEqual(h.queue(1).calls, [call(1)])
        XCTAssertEqual(h.queue(2).calls, [], "same destination, second call")
        XCTAssertEqual(h.scheduler.callsInProgress, 1)
        XCTAssertEqual(h.job(2)?.state, .waiting)
        XCTAssertEqual(h.advance(3600).calls, [])
        XCTAssertEqual(h.end(1, sent(pages: 5)).calls, [call(2)])
    }

    func testPerDestinationLimitComesFromThePolicy() {
        var h = Harness(SchedulerPolicy(maxCalls: 5, maxCallsPerDestination: 2))
        XCTAssertEqual((1...3).flatMap { h.queue($0).calls }, [call(1), call(2)])
    }

    func testAtMostMaxCallsInTotal() {
        var h = Harness()
        let calls = (1...4).flatMap { h.queue($0, to: "+1555000100\($0)").calls }
        XCTAssertEqual(calls, [call(1), call(2)])
        XCTAssertEqual(h.scheduler.callsInProgress, 2)
        XCTAssertEqual(h.advance(600).calls, [])
        XCTAssertEqual(h.end(2, failed(.busy)).calls, [call(3)])
        XCTAssertEqual(h.scheduler.callsInProgress, 2)
        XCTAssertEqual(h.end(1, failed(.rejected)).calls, [call(4)])
    }

    func testABusyRetryDoesNotHoldASlot() {
        var h = Harness(SchedulerPolicy(maxCalls: 1))
        h.queue(1, to: "+15550001001")
        h.queue(2, to: "+15550001002")
        XCTAssertEqual(h.end(1, failed(.busy)).calls, [call(2)])
    }

    /// Oldest queued first — not by id, not by admission order.
    func testOldestQueuedJobIsDialledFirst() {
        var h = Harness(SchedulerPolicy(maxCalls: 1))
        h.queue(9, to: "+15550009999")
        let queued: [(n: Int, at: TimeInterval)] = [(1, 30), (2, 10), (3, 20)]
        for job in queued {
            XCTAssertEqual(h.queue(job.n, to: "+1555000100\(job.n)", queuedAt: t0.addingTimeInterval(job.at)).calls, [])
        }
        XCTAssertEqual(h.end(9, sent(pages: 5)).calls, [call(2)])
        XCTAssertEqual(h.end(2, sent(pages: 5)).calls, [call(3)])
        XCTAssertEqual(h.end(3, sent(pages: 5)).calls, [call(1)])
    }

    /// A job held back by its destination does not hold back younger jobs to other numbers.
    func testBlockedDestinationDoesNotBlockOthers() {
        var h = Harness()
        h.queue(1, to: "+15550001001")
        h.queue(2, to: "+15550001001")
        XCTAssertEqual(h.queue(3, to: "+15550001003").calls, [call(3)])
    }

    /// When a slot frees, the oldest due job gets it, even if a younger job to the same
    /// destination as the ended call is also due.
    func testSlotGoesToTheOldestDueJob() {
        var h = Harness(SchedulerPolicy(maxCalls: 1))
        h.queue(1, to: "+15550001001")
        h.queue(2, to: "+15550001002", queuedAt: t0)
        h.queue(3, to: "+15550001001", queuedAt: t0.addingTimeInterval(1))
        XCTAssertEqual(h.end(1, sent(pages: 5)).calls, [call(2)])
    }

    // MARK: Per-hour limit

    func testPerDestinationHourLimitHoldsTheNextCallUntilTheWindowOpens() {
        var h = Harness(SchedulerPolicy(maxPerDestinationHour: 2))
        h.queue(1)
        XCTAssertEqual(h.retry(1, after: failed(.noAnswer), waiting: 300), [call(1, attempt: 2)])
        XCTAssertEqual(h.retry(1, after: failed(.busy), waiting: 180), [], "third call within the hour")
        XCTAssertEqual(h.scheduler.nextWakeup(after: h.now), t0.addingTimeInterval(3600))
        XCTAssertEqual(h.advance(to: t0.addingTimeInterval(3599)).calls, [])
        XCTAssertEqual(h.advance(1).calls, [call(1, attempt: 3)])
        // Busy again: due at 3780, but the window holds the calls of 300 and 3600 until 3900.
        h.end(1, failed(.busy))
        XCTAssertEqual(h.scheduler.nextWakeup(after: h.now), t0.addingTimeInterval(300 + 3600))
        XCTAssertEqual(h.advance(to: t0.addingTimeInterval(3899)).calls, [])
        XCTAssertEqual(h.advance(1).calls, [call(1, attempt: 4)])
    }

    func testPerHourLimitCountsCallsOfEveryJobToTheDestinationOnly() {
        var h = Harness(SchedulerPolicy(maxPerDestinationHour: 1))
        h.queue(1, to: "+15550001001")
        h.end(1, sent(pages: 5))
        XCTAssertEqual(h.queue(2, to: "+15550001001").calls, [], "second job, same destination, same hour")
        XCTAssertEqual(h.queue(3, to: "+15550001003").calls, [call(3)], "another destination")
        XCTAssertEqual(h.advance(3600).calls, [call(2)])
    }

    /// The window is an hour long, open at its old end: a call exactly an hour after the last
    /// one may start, also when a call's end (not a tick) frees it.
    func testHourWindowOpensExactlyAnHourLater() {
        var h = Harness(SchedulerPolicy(maxPerDestinationHour: 1))
        h.queue(1, to: "+15550001001")
        h.queue(3, to: "+15550003000")
        h.now = t0.addingTimeInterval(10)
        h.end(1, sent(pages: 5))
        XCTAssertEqual(h.queue(2, to: "+15550001001").calls, [])
        h.now = t0.addingTimeInterval(3599)
        XCTAssertEqual(h.queue(4, to: "+15550004000").calls, [call(4)], "job 2 is still held")
        h.now = t0.addingTimeInterval(3600)
        XCTAssertEqual(h.end(3, failed(.rejected)).calls, [call(2)])
    }

    func testUnplacedCallsDoNotCountAgainstTheHourLimit() {
        var h = Harness(SchedulerPolicy(retryUnavailable: 5, maxPerDestinationHour: 1))
        h.queue(1)
        XCTAssertEqual(h.retry(1, after: unavailable, waiting: 5), [call(1)])
    }

    /// After a restart the calls made before it still count.
    func testRecoveredAttemptsCountAgainstTheHourLimit() {
        var h = Harness(SchedulerPolicy(maxPerDestinationHour: 2))
        var record = makeRecord(1, queuedAt: t0.addingTimeInterval(-1200))
        record.state = .waiting
        record.pagesTotal = 5
        record.attempts = [-1200.0, -600].enumerated().map {
            AttemptRecord(
                number: $0.offset + 1, startedAt: t0.addingTimeInterval($0.element), endedAt: t0, outcome: "busy")
        }
        record.lastError = FaxErrorRecord(FaxError(.busy, "busy"))
        record.notBefore = t0.addingTimeInterval(-400)
        XCTAssertEqual(h.scheduler.admit(record, now: t0).calls, [])
        XCTAssertEqual(h.scheduler.nextWakeup(after: t0), t0.addingTimeInterval(2400))
        XCTAssertEqual(h.advance(to: t0.addingTimeInterval(2400)).calls, [call(1, attempt: 3)])
    }

    func testNoHourLimitByDefault() {
        var h = Harness(SchedulerPolicy(retryFax: 1))
        h.queue(1)
        var calls = 1
        for _ in 0..<3 {
            h.end(1, failed(.faxTransferFailed))
            calls += h.advance(1).calls.count
        }
        XCTAssertEqual(calls, 4)
    }
}
