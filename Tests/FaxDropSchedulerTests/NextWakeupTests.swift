import FaxDropCore
import FaxDropScheduler
import Foundation
import XCTest

/// `nextWakeup(after:)`: the driver sleeps until then, so a missed time is a stuck job and
/// a time with nothing to do is a busy loop.
final class NextWakeupTests: XCTestCase {
    func testNothingToWaitFor() {
        var h = Harness()
        XCTAssertNil(h.scheduler.nextWakeup(after: t0))
        _ = h.scheduler.admit(makeRecord(1), now: t0)
        XCTAssertNil(h.scheduler.nextWakeup(after: t0), "a render in progress ends with an event")
    }

    func testLiveCallsNeedNoWakeup() {
        var h = Harness()
        h.queue(1)
        h.queue(2, to: "+15550002000")
        XCTAssertEqual(h.scheduler.callsInProgress, 2)
        XCTAssertNil(h.scheduler.nextWakeup(after: t0))
    }

    func testRetryTime() {
        var h = Harness()
        h.queue(1)
        h.end(1, failed(.noAnswer))
        XCTAssertEqual(h.scheduler.nextWakeup(after: t0), t0.addingTimeInterval(300))
    }

    func testEarliestOfSeveralJobs() {
        var h = Harness()
        h.queue(1)
        h.queue(2, to: "+15550002000")
        h.end(1, failed(.noAnswer))
        h.end(2, failed(.congestion))
        XCTAssertEqual(h.scheduler.nextWakeup(after: t0), t0.addingTimeInterval(120))
    }

    /// A job waiting only for a call to end wakes at its kill time, not at its past retry time.
    func testJobWaitingForASlotWakesOnlyAtItsKillTime() {
        var h = Harness(SchedulerPolicy(maxCalls: 1))
        h.queue(1)
        h.queue(2, to: "+15550002000")
        XCTAssertEqual(h.scheduler.nextWakeup(after: t0), t0.addingTimeInterval(3 * 3600))
        h.queue(3)
        h.now = t0.addingTimeInterval(600)
        XCTAssertEqual(h.scheduler.nextWakeup(after: h.now), t0.addingTimeInterval(3 * 3600))
    }

    /// Same destination busy, global slots free: still nothing to do before the call ends.
    func testJobWaitingForItsDestinationWakesOnlyAtItsKillTime() {
        var h = Harness()
        h.queue(1)
        h.queue(2)
        h.now = t0.addingTimeInterval(600)
        XCTAssertEqual(h.scheduler.nextWakeup(after: h.now), t0.addingTimeInterval(3 * 3600))
    }

    func testKillTimeBeforeTheRetryTime() {
        var h = Harness(SchedulerPolicy(killAfter: 1000, retryUnavailable: 5000))
        h.queue(1)
        h.end(1, unavailable)
        XCTAssertEqual(h.job(1)?.notBefore, t0.addingTimeInterval(5000))
        XCTAssertEqual(h.scheduler.nextWakeup(after: t0), t0.addingTimeInterval(1000))
    }

    /// A retry that fell due while the driver was busy is reported as due now, not skipped.
    func testTimeThatPassedWithoutATickIsDueNow() {
        var h = Harness()
        h.queue(1)
        h.end(1, failed(.busy))
        let late = t0.addingTimeInterval(200)
        XCTAssertEqual(h.scheduler.nextWakeup(after: late), late)
        XCTAssertEqual(h.advance(to: late).calls, [call(1, attempt: 2)])
        XCTAssertNil(h.scheduler.nextWakeup(after: late))
    }

    func testKillTimeThatPassedWithoutATickIsDueNow() {
        var h = Harness(SchedulerPolicy(maxCalls: 1))
        h.queue(1)
        h.queue(2, to: "+15550002000")
        let late = t0.addingTimeInterval(4 * 3600)
        XCTAssertEqual(h.scheduler.nextWakeup(after: late), late)
        XCTAssertEqual(h.advance(to: late).finishes, [jid(2)])
    }

    /// Driven only by its own wakeups, a job retried through every cause reaches its end.
    func testWakeupsAloneDriveRetriesToTheEnd() {
        var h = Harness(SchedulerPolicy(maxPerDestinationHour: 3))
        h.queue(1)
        let causes: [ErrorCode] = [.busy, .noAnswer, .congestion, .faxNegotiationFailed]
        var starts = [t0]
        for cause in causes {
            h.end(1, failed(cause))
            let calls = h.runWakeups(until: t0.addingTimeInterval(3 * 3600)).calls
            XCTAssertEqual(calls.count, 1, "\(cause)")
            starts.append(h.now)
        }
        // busy +180, no answer +300, then the hour limit (3 calls) holds the fourth call to
        // 3600, and the fifth waits for the window to lose the call of 180.
        XCTAssertEqual(starts, [0, 180, 480, 3600, 3780].map { t0.addingTimeInterval($0) })
        XCTAssertEqual(h.end(1, sent(pages: 5)).finishes, [jid(1)])
        XCTAssertNil(h.scheduler.nextWakeup(after: h.now))
    }
}
