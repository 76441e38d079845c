import FaxDropCore
import FaxDropScheduler
import Foundation
import XCTest

/// `FAXDROP_RESUME_PARTIAL`: after a partial send only the unsent pages go, and the record
/// counts pages across attempts (the sidecar's `pages.sent`).
final class ResumePartialTests: XCTestCase {
    func testPartialSendOfThreeOfFivePagesResumesAtPageFour() {
        var h = Harness()
        XCTAssertEqual(h.queue(1, pages: 5).calls, [call(1)])
        h.end(1, failed(.faxTransferFailed, pages: 3))
        XCTAssertEqual(h.job(1)?.pagesSent, 3)
        XCTAssertEqual(h.job(1)?.attempts.last?.pagesSent, 3)
        XCTAssertEqual(h.advance(60).calls, [call(1, attempt: 2, firstPage: 4)])
        XCTAssertEqual(h.job(1)?.attempts.last?.firstPage, 4)
        XCTAssertEqual(h.end(1, sent(pages: 2)).finishes, [jid(1)])
        let record = h.job(1)
        XCTAssertEqual(record?.state, .done)
        XCTAssertEqual(record?.pagesSent, 5)
        XCTAssertEqual(record?.attempts.map(\.pagesSent), [3, 2])
        XCTAssertEqual(record?.attempts.map(\.firstPage), [1, 4])
        XCTAssertEqual(record?.attempts.map(\.outcome), ["fax_transfer_failed", "sent"])
        XCTAssertNil(record?.lastError)
    }

    func testPagesAddUpOverSeveralPartialAttempts() {
        var h = Harness()
        h.queue(1, pages: 6)
        XCTAssertEqual(
            h.retry(1, after: failed(.faxTransferFailed, pages: 2), waiting: 60), [call(1, attempt: 2, firstPage: 3)])
        h.end(1, failed(.busy))
        XCTAssertEqual(h.job(1)?.pagesSent, 2, "a call that sent nothing keeps the pages already sent")
        XCTAssertEqual(h.advance(180).calls, [call(1, attempt: 3, firstPage: 3)])
        h.end(1, failed(.faxTransferFailed, pages: 1))
        XCTAssertEqual(h.job(1)?.pagesSent, 3)
        XCTAssertEqual(h.advance(60).calls, [call(1, attempt: 4, firstPage: 4)])
        XCTAssertEqual(
            h.retry(1, after: failed(.interrupted, pages: 2), waiting: 60), [call(1, attempt: 5, firstPage: 6)])
        h.end(1, sent(pages: 1))
        XCTAssertEqual(h.job(1)?.pagesSent, 6)
        XCTAssertEqual(h.job(1)?.state, .done)
    }

    func testFailedJobReportsThePagesSentAcrossAttempts() {
        var h = Harness(SchedulerPolicy(maxAttempts: 2))
        h.queue(1, pages: 5)
        h.end(1, failed(.faxTransferFailed, pages: 3))
        h.advance(60)
        h.end(1, failed(.faxTransferFailed, pages: 1))
        XCTAssertEqual(h.job(1)?.state, .failed)
        XCTAssertEqual(h.job(1)?.pagesSent, 4)
    }

    func testWithoutResumeEveryAttemptStartsAtPageOneAndTheBestAttemptCounts() {
        var h = Harness(SchedulerPolicy(resumePartial: false))
        h.queue(1, pages: 5)
        XCTAssertEqual(
            h.retry(1, after: failed(.faxTransferFailed, pages: 3), waiting: 60), [call(1, attempt: 2, firstPage: 1)])
        h.end(1, failed(.faxTransferFailed, pages: 2))
        XCTAssertEqual(h.job(1)?.pagesSent, 3, "pages are not added up when every attempt resends them")
        XCTAssertEqual(h.advance(60).calls, [call(1, attempt: 3, firstPage: 1)])
        h.end(1, sent(pages: 5))
        XCTAssertEqual(h.job(1)?.pagesSent, 5)
    }

    /// A sent result means every page was confirmed, whatever the attempt counted.
    func testSentCountsEveryRenderedPage() {
        var h = Harness()
        h.queue(1, pages: 4)
        h.end(1, sent(pages: 0))
        XCTAssertEqual(h.job(1)?.pagesSent, 4)
        XCTAssertEqual(h.job(1)?.attempts.last?.pagesSent, 0, "the attempt keeps what the backend said")
    }

    func testPagesSentNeverExceedThePagesRendered() {
        var h = Harness()
        h.queue(1, pages: 5)
        h.end(1, failed(.faxTransferFailed, pages: 3))
        h.advance(60)
        // A backend that counted the whole document instead of this attempt's pages.
        h.end(1, failed(.faxTransferFailed, pages: 5))
        XCTAssertEqual(h.job(1)?.pagesSent, 5)
        XCTAssertEqual(h.advance(60).calls, [call(1, attempt: 3, firstPage: 5)])
    }
}
