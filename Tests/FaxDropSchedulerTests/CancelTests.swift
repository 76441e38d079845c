import FaxDropCore
import FaxDropScheduler
import Foundation
import XCTest

/// `faxdrop cancel` in each state: waiting ends at once, a live call is hung up first, a
/// render in progress ends when it returns.
final class CancelTests: XCTestCase {
    func testCancelWhileRenderingEndsWhenTheRenderSucceeds() {
        var h = Harness()
        XCTAssertEqual(h.scheduler.admit(makeRecord(1), now: t0).renders, [jid(1)])
        XCTAssertEqual(h.scheduler.cancel(jid(1), now: t0), [.persist(jid(1))])
        XCTAssertEqual(h.job(1)?.cancelRequested, true)
        XCTAssertEqual(h.job(1)?.state, .converting)
        let actions = h.scheduler.renderSucceeded(jid(1), pages: 2, pageBytes: [1, 1], format: .pdf, now: t0)
        XCTAssertEqual(actions, [.persist(jid(1)), .finish(jid(1))])
        XCTAssertEqual(h.job(1)?.lastError?.code, .cancelled)
        XCTAssertEqual(h.job(1)?.pagesTotal, 2)
    }

    func testCancelWhileRenderingEndsCancelledEvenWhenTheRenderFails() {
        var h = Harness()
        _ = h.scheduler.admit(makeRecord(1), now: t0)
        _ = h.scheduler.cancel(jid(1), now: t0)
        let actions = h.scheduler.renderFailed(jid(1), FaxError(.corruptDocument, "bad"), format: nil, now: t0)
        XCTAssertEqual(actions, [.persist(jid(1)), .finish(jid(1))])
        XCTAssertEqual(h.job(1)?.lastError?.code, .cancelled)
    }

    func testCancelWaitingForARetryEndsAtOnce() {
        var h = Harness()
        h.queue(1)
        h.end(1, failed(.busy))
        XCTAssertEqual(h.scheduler.cancel(jid(1), now: h.now), [.persist(jid(1)), .finish(jid(1))])
        XCTAssertEqual(h.job(1)?.state, .failed)
        XCTAssertEqual(h.job(1)?.lastError?.code, .cancelled)
        XCTAssertEqual(h.advance(600).calls, [])
        XCTAssertNil(h.scheduler.nextWakeup(after: h.now))
    }

    func testCancelWaitingForASlotEndsAtOnce() {
        var h = Harness()
        h.queue(1)
        h.queue(2)
        XCTAssertEqual(h.scheduler.cancel(jid(2), now: t0), [.persist(jid(2)), .finish(jid(2))])
        XCTAssertEqual(h.end(1, sent(pages: 5)).calls, [])
    }

    func testCancelDuringACallHangsUpThenEndsCancelledWhenTheCallEnds() {
        var h = Harness()
        h.queue(1)
        h.queue(2)
        XCTAssertEqual(h.scheduler.callAnswered(jid(1)), [.persist(jid(1))])
        XCTAssertEqual(h.scheduler.cancel(jid(1), now: t0), [.persist(jid(1)), .hangUp(jid(1))])
        XCTAssertEqual(h.job(1)?.state, .sending, "nothing ends before the call does")
        XCTAssertEqual(h.scheduler.callsInProgress, 1)
        let actions = h.end(1, failed(.cancelled, pages: 1))
        XCTAssertEqual(
            actions, [.persist(jid(1)), .finish(jid(1)), .persist(jid(2)), .call(jid(2), attempt: 1, firstPage: 1)])
        XCTAssertEqual(h.job(1)?.lastError?.code, .cancelled)
        XCTAssertEqual(h.job(1)?.attempts.last?.outcome, "cancelled")
        XCTAssertEqual(h.job(1)?.pagesSent, 1)
    }

    /// The call ended for its own reason before the hang-up took: cancelled, not retried.
    func testCancelledCallThatEndsBusyIsNotRetried() {
        var h = Harness()
        h.queue(1)
        _ = h.scheduler.cancel(jid(1), now: t0)
        XCTAssertEqual(h.end(1, failed(.busy)).finishes, [jid(1)])
        XCTAssertEqual(h.job(1)?.lastError?.code, .cancelled)
    }

    func testCancelledCallThatCouldNotBePlacedEndsCancelled() {
        var h = Harness()
        h.queue(1)
        h.queue(2)
        _ = h.scheduler.cancel(jid(1), now: t0)
        let actions = h.end(1, unavailable)
        XCTAssertEqual(actions.finishes, [jid(1)])
        XCTAssertEqual(h.job(1)?.lastError?.code, .cancelled)
        XCTAssertEqual(actions.calls, [call(2)], "the freed slot is used at once")
    }

    /// The fax went through before the hang-up: the sidecar tells the truth.
    func testCancelledCallThatSentEverythingIsDone() {
        var h = Harness()
        h.queue(1)
        _ = h.scheduler.cancel(jid(1), now: t0)
        XCTAssertEqual(h.end(1, sent(pages: 5)).finishes, [jid(1)])
        XCTAssertEqual(h.job(1)?.state, .done)
    }

    func testCancelOfAFinalOrUnknownJobDoesNothing() {
        var h = Harness()
        h.queue(1)
        h.end(1, sent(pages: 5))
        XCTAssertEqual(h.scheduler.cancel(jid(1), now: t0), [])
        XCTAssertEqual(h.job(1)?.state, .done)
        XCTAssertEqual(h.scheduler.cancel(jid(7), now: t0), [])
    }

    func testCancellingTwiceEndsOnce() {
        var h = Harness()
        h.queue(1)
        h.end(1, failed(.busy))
        XCTAssertEqual(h.scheduler.cancel(jid(1), now: t0).finishes, [jid(1)])
        XCTAssertEqual(h.scheduler.cancel(jid(1), now: t0), [])
    }

    func testCancelDuringReconcileHangsUp() {
        var h = Harness()
        var record = makeRecord(1)
        record.state = .sending
        record.pagesTotal = 5
        record.attempts = [AttemptRecord(number: 1, startedAt: t0)]
        XCTAssertEqual(h.scheduler.admit(record, now: t0), [.reconcile(jid(1))])
        XCTAssertEqual(h.scheduler.cancel(jid(1), now: t0), [.persist(jid(1)), .hangUp(jid(1))])
        XCTAssertEqual(h.scheduler.callLost(jid(1), now: t0).finishes, [jid(1)])
        XCTAssertEqual(h.job(1)?.lastError?.code, .cancelled)
    }
}
