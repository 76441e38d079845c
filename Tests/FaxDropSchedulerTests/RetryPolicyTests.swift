import FaxDropCore
import FaxDropScheduler
import Foundation
import XCTest

/// Retry delay by cause, permanent causes, attempts, the kill time and an unreachable backend
/// (SPEC §2), all on an injected clock.
final class RetryPolicyTests: XCTestCase {
    /// SPEC §2 defaults: busy 3 min, no answer 5 min, congestion / channel unavailable 2 min,
    /// fax protocol failure 1 min.
    static let defaultDelays: [(ErrorCode, TimeInterval)] = [
        (.busy, 180), (.noAnswer, 300), (.congestion, 120), (.channelUnavailable, 120),
        (.faxNegotiationFailed, 60), (.faxTransferFailed, 60),
    ]

    func testEachRetryableCauseWaitsItsDefaultDelayThenRetries() {
        for (code, delay) in Self.defaultDelays {
            var h = Harness()
            XCTAssertEqual(h.queue(1).calls, [call(1)], "\(code)")
            let ended = h.end(1, failed(code))
            XCTAssertEqual(ended, [.persist(jid(1))], "\(code)")
            XCTAssertEqual(h.job(1)?.state, .waiting)
            XCTAssertEqual(h.job(1)?.notBefore, t0.addingTimeInterval(delay), "\(code)")
            XCTAssertEqual(h.job(1)?.lastError?.code, code)
            XCTAssertEqual(h.scheduler.nextWakeup(after: h.now), t0.addingTimeInterval(delay), "\(code)")
            XCTAssertEqual(h.advance(delay - 1).calls, [], "\(code) retried early")
            XCTAssertEqual(h.advance(1).calls, [call(1, attempt: 2)], "\(code)")
            XCTAssertEqual(h.job(1)?.attempts.count, 2)
            XCTAssertEqual(h.job(1)?.attempts.first?.outcome, code.rawValue)
        }
    }

    func testDelaysComeFromThePolicy() {
        let policy = SchedulerPolicy(retryBusy: 11, retryNoAnswer: 22, retryCongestion: 33, retryFax: 44)
        let expected: [(ErrorCode, TimeInterval)] = [
            (.busy, 11), (.noAnswer, 22), (.congestion, 33), (.channelUnavailable, 33),
            (.faxNegotiationFailed, 44), (.faxTransferFailed, 44), (.timeout, 44), (.interrupted, 44),
        ]
        for (code, delay) in expected {
            var h = Harness(policy)
            h.queue(1)
            h.end(1, failed(code))
            XCTAssertEqual(h.job(1)?.notBefore, t0.addingTimeInterval(delay), "\(code)")
        }
    }

    func testTimeoutAndInterruptedAreRetried() {
        for code in [ErrorCode.timeout, .interrupted] {
            var h = Harness()
            h.queue(1)
            XCTAssertEqual(h.end(1, failed(code)).finishes, [], "\(code)")
            XCTAssertEqual(h.advance(60).calls, [call(1, attempt: 2)], "\(code)")
        }
    }

    func testPermanentCallOutcomesFailAtOnce() {
        for code in [ErrorCode.rejected, .unallocatedNumber, .invalidDestination, .destinationBlocked, .internalError] {
            var h = Harness()
            h.queue(1)
            XCTAssertEqual(h.end(1, failed(code)), [.persist(jid(1)), .finish(jid(1))], "\(code)")
            XCTAssertEqual(h.job(1)?.state, .failed)
            XCTAssertEqual(h.job(1)?.lastError?.code, code)
            XCTAssertEqual(h.job(1)?.attempts.count, 1)
            XCTAssertNil(h.scheduler.nextWakeup(after: h.now))
            XCTAssertEqual(h.advance(3600).calls, [], "\(code) dialled again")
        }
    }

    func testDocumentErrorsFailAtOnceWithTheirCode() {
        let codes: [ErrorCode] = [
            .emptyFile, .fileTooLarge, .tooManyPages, .unsupportedFormat, .encryptedDocument, .corruptDocument,
            .conversionTimeout, .conversionFailed, .notARegularFile,
        ]
        for code in codes {
            var h = Harness()
            XCTAssertEqual(h.scheduler.admit(makeRecord(1), now: t0), [.persist(jid(1)), .render(jid(1))])
            XCTAssertEqual(h.job(1)?.state, .converting)
            let actions = h.scheduler.renderFailed(jid(1), FaxError(code, "bad"), format: nil, now: t0)
            XCTAssertEqual(actions, [.persist(jid(1)), .finish(jid(1))], "\(code)")
            XCTAssertEqual(h.job(1)?.lastError, FaxErrorRecord(FaxError(code, "bad")))
            XCTAssertEqual(h.job(1)?.attempts, [])
        }
    }

    func testMaxAttemptsThenFailedWithTheLastCause() {
        var h = Harness(SchedulerPolicy(maxAttempts: 3))
        h.queue(1)
        XCTAssertEqual(h.retry(1, after: failed(.busy), waiting: 180), [call(1, attempt: 2)])
        XCTAssertEqual(h.retry(1, after: failed(.noAnswer), waiting: 300), [call(1, attempt: 3)])
        let last = h.end(1, failed(.congestion))
        XCTAssertEqual(last.finishes, [jid(1)])
        XCTAssertEqual(h.job(1)?.state, .failed)
        XCTAssertEqual(h.job(1)?.lastError?.code, .congestion)
        XCTAssertEqual(h.job(1)?.attempts.map(\.number), [1, 2, 3])
        XCTAssertEqual(h.advance(3600).calls, [])
    }

    func testDefaultMaxAttemptsIsFive() {
        var h = Harness()
        h.queue(1)
        for attempt in 2...5 {
            XCTAssertEqual(h.retry(1, after: failed(.faxNegotiationFailed), waiting: 60), [call(1, attempt: attempt)])
        }
        XCTAssertEqual(h.end(1, failed(.faxNegotiationFailed)).finishes, [jid(1)])
        XCTAssertEqual(h.job(1)?.attempts.count, 5)
    }

    /// A journal from a run with a higher `FAXDROP_MAX_ATTEMPTS` is not dialled past the
    /// current limit.
    func testRecoveredJobWithNoAttemptsLeftFailsWithItsLastCause() {
        var h = Harness(SchedulerPolicy(maxAttempts: 2))
        var record = makeRecord(1)
        record.state = .waiting
        record.pagesTotal = 1
        for n in 1...2 {
            record.attempts.append(
                AttemptRecord(number: n, startedAt: t0, endedAt: t0, outcome: "busy"))
        }
        record.lastError = FaxErrorRecord(FaxError(.busy, "the line was busy"))
        record.notBefore = t0.addingTimeInterval(-1)
        let actions = h.scheduler.admit(record, now: t0)
        XCTAssertEqual(actions.calls, [])
        XCTAssertEqual(actions.finishes, [jid(1)])
        XCTAssertEqual(h.job(1)?.lastError?.code, .busy)
    }

    // MARK: Kill time

    func testNoRetryAtOrAfterTheKillTimeFailsWithTheLastCause() {
        var h = Harness(SchedulerPolicy(maxAttempts: 100, killAfter: 1000))
        h.queue(1)
        var calls = [call(1)]
        for _ in 0..<10 {
            if h.end(1, failed(.noAnswer)).finishes == [jid(1)] { break }
            calls += h.advance(300).calls
        }
        // Calls at 0, 300, 600, 900; the retry at 1200 would be past the kill time at 1000.
        XCTAssertEqual(calls, (1...4).map { call(1, attempt: $0) })
        XCTAssertEqual(h.job(1)?.attempts.map(\.startedAt), [0, 300, 600, 900].map { t0.addingTimeInterval($0) })
        XCTAssertEqual(h.job(1)?.state, .failed)
        XCTAssertEqual(h.job(1)?.lastError?.code, .noAnswer)
    }

    /// A retry that would fall exactly on the kill time is not waited for.
    func testRetryLandingOnTheKillTimeFailsAtOnce() {
        var h = Harness(SchedulerPolicy(killAfter: 180))
        h.queue(1)
        XCTAssertEqual(h.end(1, failed(.faxTransferFailed)), [.persist(jid(1))], "a retry at 60, before 180")
        XCTAssertEqual(h.advance(60).calls, [call(1, attempt: 2)])
        XCTAssertEqual(h.end(1, failed(.noAnswer)), [.persist(jid(1)), .finish(jid(1))], "a retry at 360")

        var g = Harness(SchedulerPolicy(killAfter: 180))
        g.queue(1)
        XCTAssertEqual(g.end(1, failed(.busy)), [.persist(jid(1)), .finish(jid(1))], "a retry exactly at 180")
        XCTAssertEqual(g.job(1)?.lastError?.code, .busy)
        XCTAssertEqual(g.job(1)?.state, .failed)
    }

    func testJobThatNeverGotASlotExpiresAtTheKillTime() {
        var h = Harness(SchedulerPolicy(maxCalls: 1, killAfter: 3 * 3600))
        h.queue(1, to: "+15550001001")
        XCTAssertEqual(h.queue(2, to: "+15550001002").calls, [], "no slot for job 2")
        XCTAssertEqual(h.scheduler.nextWakeup(after: h.now), t0.addingTimeInterval(3 * 3600))
        XCTAssertEqual(h.advance(3 * 3600 - 1).finishes, [])
        let actions = h.advance(1)
        XCTAssertEqual(actions, [.persist(jid(2)), .finish(jid(2))])
        XCTAssertEqual(h.job(2)?.lastError?.code, .expired)
        XCTAssertEqual(h.job(2)?.attempts, [])
        XCTAssertEqual(h.job(1)?.state, .dialing, "a live call is not cut at the kill time")
    }

    /// The slot frees after the kill time but before any tick: the job must still not be dialled.
    func testJobIsNotDialledPastItsKillTimeWhenASlotFreesBeforeTheTick() {
        var h = Harness(SchedulerPolicy(maxCalls: 1, killAfter: 3600))
        h.queue(1, to: "+15550001001")
        h.queue(2, to: "+15550001002")
        h.now = t0.addingTimeInterval(3600)
        let actions = h.end(1, sent(pages: 5))
        XCTAssertEqual(actions.calls, [])
        XCTAssertEqual(actions.finishes, [jid(1), jid(2)])
        XCTAssertEqual(h.job(2)?.lastError?.code, .expired)
    }

    func testKillTimeWhileWaitingOnAnUnreachableBackendFailsWithTheEarlierCause() {
        var h = Harness(SchedulerPolicy(killAfter: 600, retryUnavailable: 30))
        h.queue(1)
        XCTAssertEqual(h.retry(1, after: failed(.busy), waiting: 180), [call(1, attempt: 2)])
        var finishes: [JobID] = []
        while finishes.isEmpty && h.now < t0.addingTimeInterval(700) {
            finishes += h.end(1, unavailable).finishes
            let step = h.runWakeups(until: h.now.addingTimeInterval(30))
            finishes += step.finishes
            if !step.calls.isEmpty { XCTAssertLessThan(h.now, t0.addingTimeInterval(600), "dialled at the kill time") }
        }
        XCTAssertEqual(finishes, [jid(1)])
        XCTAssertEqual(h.now, t0.addingTimeInterval(600))
        XCTAssertEqual(h.job(1)?.lastError?.code, .busy)
        XCTAssertEqual(h.job(1)?.attempts.count, 1, "unreachable tries are not attempts")
    }

    func testKillTimeWithOnlyAnUnreachableBackendIsExpired() {
        var h = Harness(SchedulerPolicy(killAfter: 100, retryUnavailable: 30))
        h.queue(1)
        var finishes: [JobID] = []
        for _ in 0..<10 where finishes.isEmpty {
            finishes += h.end(1, unavailable).finishes
            finishes += h.runWakeups(until: h.now.addingTimeInterval(30)).finishes
        }
        XCTAssertEqual(finishes, [jid(1)])
        XCTAssertEqual(h.job(1)?.lastError?.code, .expired)
        XCTAssertEqual(h.job(1)?.attempts, [])
    }

    // MARK: Unreachable backend

    func testUnavailableBurnsNoAttemptAndTheJobWaits() {
        var h = Harness(SchedulerPolicy(maxAttempts: 2, retryUnavailable: 5))
        h.queue(1)
        for _ in 0..<20 {
            let actions = h.end(1, unavailable)
            XCTAssertEqual(actions, [.persist(jid(1))])
            XCTAssertEqual(h.job(1)?.state, .waiting)
            XCTAssertEqual(h.job(1)?.attempts, [])
            XCTAssertEqual(h.scheduler.callsInProgress, 0)
            XCTAssertEqual(h.advance(4).calls, [])
            XCTAssertEqual(h.advance(1).calls, [call(1, attempt: 1)], "the same attempt number again")
        }
        XCTAssertEqual(h.end(1, sent(pages: 5)).finishes, [jid(1)])
        XCTAssertEqual(h.job(1)?.attempts.count, 1)
        XCTAssertEqual(h.job(1)?.state, .done)
    }
}
