import FaxDropCore
import FaxDropScheduler
import Foundation
import XCTest

/// Admitting journals found at start-up, in every state (SPEC §2: nothing lost, nothing
/// ends twice, a call in flight is reconciled).
final class RecoveryTests: XCTestCase {
    private func journal(
        _ n: Int, _ state: JobState, to destination: String = "+15550001000", attempts: Int = 0, open: Bool = false
    ) -> JobRecord {
        var record = makeRecord(n, to: destination, state: state)
        record.pagesTotal = state == .queued || state == .claiming ? nil : 5
        for number in 1...max(attempts, 1) where number <= attempts {
            let isOpen = open && number == attempts
            record.attempts.append(
                AttemptRecord(
                    number: number, startedAt: t0, endedAt: isOpen ? nil : t0, outcome: isOpen ? nil : "busy",
                    firstPage: 1))
        }
        if attempts > (open ? 1 : 0) { record.lastError = FaxErrorRecord(FaxError(.busy, "the line was busy")) }
        return record
    }

    func testJobsNotYetRenderedAreRenderedAgain() {
        for state in [JobState.claiming, .queued, .converting] {
            var h = Harness()
            XCTAssertEqual(
                h.scheduler.admit(journal(1, state), now: t0), [.persist(jid(1)), .render(jid(1))], "\(state)")
            XCTAssertEqual(h.job(1)?.state, .converting)
            XCTAssertEqual(
                h.scheduler.renderSucceeded(jid(1), pages: 5, pageBytes: [], format: nil, now: t0).calls, [call(1)])
        }
    }

    func testWaitingJobIsDialledWithTheNextAttemptNumber() {
        var h = Harness()
        var record = journal(1, .waiting, attempts: 2)
        record.pagesSent = 2
        XCTAssertEqual(h.scheduler.admit(record, now: t0).calls, [call(1, attempt: 3, firstPage: 3)])
    }

    func testWaitingJobKeepsItsRetryTime() {
        var h = Harness()
        var record = journal(1, .waiting, attempts: 1)
        record.notBefore = t0.addingTimeInterval(100)
        XCTAssertEqual(h.scheduler.admit(record, now: t0).calls, [])
        XCTAssertEqual(h.scheduler.nextWakeup(after: t0), t0.addingTimeInterval(100))
        XCTAssertEqual(h.advance(100).calls, [call(1, attempt: 2)])
    }

    func testWaitingJobPastItsKillTimeIsNotDialled() {
        var h = Harness()
        var record = journal(1, .waiting, attempts: 1)
        record.queuedAt = t0.addingTimeInterval(-4 * 3600)
        let actions = h.scheduler.admit(record, now: t0)
        XCTAssertEqual(actions, [.persist(jid(1)), .finish(jid(1))])
        XCTAssertEqual(h.job(1)?.lastError?.code, .busy)

        var g = Harness()
        var fresh = journal(2, .waiting)
        fresh.queuedAt = t0.addingTimeInterval(-4 * 3600)
        XCTAssertEqual(g.scheduler.admit(fresh, now: t0).finishes, [jid(2)])
        XCTAssertEqual(g.job(2)?.lastError?.code, .expired)
    }

    /// A queued journal that outlived its kill time is rendered, then expires instead of dialling.
    func testQueuedJobPastItsKillTimeExpiresAfterRendering() {
        var h = Harness()
        var record = journal(1, .queued)
        record.queuedAt = t0.addingTimeInterval(-4 * 3600)
        _ = h.scheduler.admit(record, now: t0)
        let actions = h.scheduler.renderSucceeded(jid(1), pages: 5, pageBytes: [], format: nil, now: t0)
        XCTAssertEqual(actions.calls, [])
        XCTAssertEqual(actions.finishes, [jid(1)])
        XCTAssertEqual(h.job(1)?.lastError?.code, .expired)
    }

    func testCallInFlightIsReconciledAndHoldsItsSlotAndDestination() {
        for state in [JobState.dialing, .sending] {
            var h = Harness(SchedulerPolicy(maxCalls: 2))
            XCTAssertEqual(h.scheduler.admit(journal(1, state, attempts: 1, open: true), now: t0), [.reconcile(jid(1))])
            XCTAssertEqual(h.scheduler.callsInProgress, 1)
            XCTAssertEqual(h.queue(2).calls, [], "\(state): a second call to the destination")
            XCTAssertEqual(h.queue(3, to: "+15550003000").calls, [call(3)])
            XCTAssertEqual(h.queue(4, to: "+15550004000").calls, [], "\(state): a third call in total")
            // The backend says it was sent.
            let actions = h.end(1, sent(pages: 5))
            XCTAssertEqual(actions.finishes, [jid(1)])
            XCTAssertEqual(actions.calls, [call(2)])
            XCTAssertEqual(h.job(1)?.state, .done)
            XCTAssertEqual(h.job(1)?.attempts.count, 1)
        }
    }

    func testCallWhoseOutcomeIsLostIsAnInterruptedAttemptAndRetried() {
        var h = Harness()
        _ = h.scheduler.admit(journal(1, .sending, attempts: 1, open: true), now: t0)
        XCTAssertEqual(h.scheduler.callLost(jid(1), now: t0), [.persist(jid(1))])
        XCTAssertEqual(h.job(1)?.attempts.last?.outcome, "interrupted")
        XCTAssertEqual(h.job(1)?.lastError?.code, .interrupted)
        XCTAssertEqual(h.advance(60).calls, [call(1, attempt: 2)])
    }

    /// A result for an earlier attempt (a repeated or late event) does not end the live one.
    func testResultForAnEarlierAttemptIsIgnored() {
        var h = Harness()
        h.queue(1)
        XCTAssertEqual(h.scheduler.callEnded(jid(1), attempt: 1, failed(.busy), now: t0), [.persist(jid(1))])
        XCTAssertEqual(h.scheduler.callEnded(jid(1), attempt: 1, failed(.busy), now: t0), [], "repeated")
        XCTAssertEqual(h.advance(180).calls, [call(1, attempt: 2)])
        XCTAssertEqual(h.scheduler.callEnded(jid(1), attempt: 1, sent(pages: 5), now: h.now), [], "late")
        XCTAssertEqual(h.job(1)?.state, .dialing)
        XCTAssertEqual(h.scheduler.callsInProgress, 1)
        XCTAssertEqual(h.scheduler.callEnded(jid(1), attempt: 2, sent(pages: 5), now: h.now).finishes, [jid(1)])
    }

    func testInterruptedLastAttemptFailsWithInterrupted() {
        var h = Harness()
        _ = h.scheduler.admit(journal(1, .dialing, attempts: 5, open: true), now: t0)
        XCTAssertEqual(h.scheduler.callLost(jid(1), now: t0).finishes, [jid(1)])
        XCTAssertEqual(h.job(1)?.lastError?.code, .interrupted)
    }

    /// A journal that says "in a call" with no open attempt has no call to reconcile.
    func testInCallJournalWithoutAnOpenAttemptWaits() {
        var h = Harness()
        XCTAssertEqual(
            h.scheduler.admit(journal(1, .dialing), now: t0),
            [.persist(jid(1)), .persist(jid(1)), .call(jid(1), attempt: 1, firstPage: 1)])
        XCTAssertEqual(h.scheduler.callsInProgress, 1)

        var cancelled = journal(1, .sending, attempts: 1)
        cancelled.cancelRequested = true
        var g = Harness()
        XCTAssertEqual(g.scheduler.admit(cancelled, now: t0), [.persist(jid(1)), .finish(jid(1))])
        XCTAssertEqual(g.job(1)?.lastError?.code, .cancelled)

        var denied = Harness(SchedulerPolicy(denyPrefixes: ["+1555"]))
        XCTAssertEqual(denied.scheduler.admit(journal(1, .dialing, attempts: 1), now: t0).finishes, [jid(1)])
        XCTAssertEqual(denied.job(1)?.lastError?.code, .destinationBlocked)
    }

    func testFinalJobsAreFinishedAgainAndThenForgotten() {
        for state in [JobState.done, .failed] {
            var h = Harness()
            XCTAssertEqual(h.scheduler.admit(journal(1, state, attempts: 1), now: t0), [.finish(jid(1))], "\(state)")
            XCTAssertEqual(h.advance(3600), [])
            h.scheduler.finished(jid(1))
            XCTAssertNil(h.job(1))
            XCTAssertNil(h.scheduler.nextWakeup(after: h.now))
        }
    }

    func testFinishedIgnoresALiveJob() {
        var h = Harness()
        h.queue(1)
        h.scheduler.finished(jid(1))
        XCTAssertEqual(h.job(1)?.state, .dialing)
    }

    func testAJobAdmittedTwiceEndsOnce() {
        var h = Harness()
        let record = journal(1, .failed, attempts: 1)
        XCTAssertEqual(h.scheduler.admit(record, now: t0).finishes, [jid(1)])
        XCTAssertEqual(h.scheduler.admit(record, now: t0), [])
        h.queue(2)
        XCTAssertEqual(h.scheduler.admit(makeRecord(2), now: t0), [], "a live job is not taken in again")
        XCTAssertEqual(h.job(2)?.state, .dialing)
    }

    func testCancelRequestedBeforeTheCrashEndsAtOnce() {
        for state in [JobState.queued, .converting, .waiting] {
            var h = Harness()
            var record = journal(1, state)
            record.cancelRequested = true
            XCTAssertEqual(h.scheduler.admit(record, now: t0), [.persist(jid(1)), .finish(jid(1))], "\(state)")
            XCTAssertEqual(h.job(1)?.lastError?.code, .cancelled)
        }
    }

    /// Admitted together, a call still in flight holds its destination even when its journal
    /// comes after a waiting job's to the same number.
    func testRecoveryAdmitsCallsInFlightBeforeDispatching() {
        var h = Harness()
        let records = [
            journal(3, .waiting, to: "+15550003000"),
            journal(1, .waiting),
            journal(2, .dialing, attempts: 1, open: true),
            journal(4, .queued, to: "+15550004000"),
            journal(5, .done, attempts: 1),
        ]
        let actions = h.scheduler.admit(records, now: t0)
        XCTAssertEqual(actions.reconciles, [jid(2)])
        XCTAssertEqual(actions.calls, [call(3)], "job 1's destination is busy with job 2's call")
        XCTAssertEqual(actions.renders, [jid(4)])
        XCTAssertEqual(actions.finishes, [jid(5)])
        XCTAssertEqual(h.scheduler.callsInProgress, 2)
        XCTAssertEqual(h.scheduler.admit(records, now: t0), [], "admitting again changes nothing")
        XCTAssertEqual(h.end(2, failed(.busy)).calls, [call(1)])
    }

    func testBatchRecoveryDialsOldestFirst() {
        var h = Harness(SchedulerPolicy(maxCalls: 1))
        var old = journal(2, .waiting, to: "+15550002000")
        old.queuedAt = t0.addingTimeInterval(-60)
        let actions = h.scheduler.admit([journal(1, .waiting, to: "+15550001000"), old], now: t0)
        XCTAssertEqual(actions.calls, [call(2)])
    }
}
