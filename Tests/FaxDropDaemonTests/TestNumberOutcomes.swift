import FaxDropCore
import XCTest

/// The settings both lines run the test numbers with: three attempts, quick retries.
let testNumberSettings = [
    "FAXDROP_MAX_ATTEMPTS": "3", "FAXDROP_RETRY_BUSY": "0.2", "FAXDROP_RETRY_NO_ANSWER": "0.2",
    "FAXDROP_RETRY_CONGESTION": "0.2", "FAXDROP_RETRY_FAX": "0.2", "FAXDROP_MAX_CALLS": "8",
]

/// Drops the test-number documents into a running gateway's spool, waits (at most
/// `timeout` seconds) for their five sidecars, and judges them (`assertTestNumberOutcomes`)
/// and their schema.
func assertTestNumbersEndAsDocumented(
    _ spool: TestSpool, timeout: Double, file: StaticString = #filePath, line: UInt = #line
) async throws {
    try dropTestNumberDocuments(spool)
    let sidecars = try await spool.waitForSidecars(5, timeout: timeout, file: file, line: line)
    let byName = Dictionary(uniqueKeysWithValues: sidecars.map { ($0.document.originalName, $0) })
    try assertTestNumberOutcomes(byName, file: file, line: line)
    try TestSpool.assertValid(spool.sidecars().done + spool.sidecars().failed)
}

/// Drops the five documents `assertTestNumberOutcomes` judges: one page each to the busy,
/// no-answer and congestion numbers, three pages to the drop-after-a-page number and to an
/// ordinary one.
func dropTestNumberDocuments(_ spool: TestSpool) throws {
    let threePages = TestSpool.corpus + "/pdf/12-octave-refcard-legal.pdf"
    let onePage = TestSpool.corpus + "/pdf/23-onepage-letter.pdf"
    try spool.copy(onePage, to: "+15550000486/busy.pdf")
    try spool.copy(onePage, to: "+15550000480/noanswer.pdf")
    try spool.copy(onePage, to: "+15550000503/congestion.pdf")
    try spool.copy(threePages, to: "+15550000488/drop.pdf")
    try spool.copy(threePages, to: "+15550001234/fine.pdf")
}

/// What the test numbers must end with, on the loopback line and through Asterisk alike:
/// busy.pdf (0486), noanswer.pdf (0480), congestion.pdf (0503) fail after
/// FAXDROP_MAX_ATTEMPTS = 3 tries with their code and Q.850 cause; drop.pdf (0488, three
/// pages) is delivered a page per call by resuming; fine.pdf (three pages) is sent.
func assertTestNumberOutcomes(
    _ byName: [String: Sidecar], file: StaticString = #filePath, line: UInt = #line
) throws {
    let expected: [(String, ErrorCode, Int)] = [
        ("busy.pdf", .busy, 17), ("noanswer.pdf", .noAnswer, 19), ("congestion.pdf", .congestion, 34),
    ]
    for (name, code, cause) in expected {
        let s = try XCTUnwrap(byName[name], name, file: file, line: line)
        XCTAssertEqual(s.status, .failed, name)
        XCTAssertEqual(s.error?.code, code, name)
        XCTAssertEqual(s.error?.retryable, true, name)
        XCTAssertEqual(s.attempts.count, 3, "\(name): retried up to FAXDROP_MAX_ATTEMPTS")
        XCTAssertEqual(Set(s.attempts.map(\.outcome)), [code.rawValue], name)
        XCTAssertEqual(Set(s.attempts.map(\.details.hangupCause)), [cause], name)
        XCTAssertEqual(s.pages.sent, 0, name)
    }
    // 0488 hangs up after the first of several pages; with resume, each retry starts at
    // the first unsent page, so three calls deliver the three pages.
    let drop = try XCTUnwrap(byName["drop.pdf"], file: file, line: line)
    XCTAssertEqual(drop.status, .sent)
    XCTAssertEqual(drop.pages, Sidecar.Pages(total: 3, sent: 3))
    XCTAssertEqual(drop.attempts.map(\.outcome), ["fax_transfer_failed", "fax_transfer_failed", "sent"])
    XCTAssertEqual(drop.attempts.map(\.firstPage), [1, 2, 3])
    XCTAssertEqual(drop.attempts.map(\.pagesSent), [1, 1, 1])
    XCTAssertEqual(drop.attempts.first?.details.statusString, "The call dropped prematurely")
    XCTAssertEqual(byName["fine.pdf"]?.status, .sent)
    XCTAssertEqual(byName["fine.pdf"]?.pages.sent, 3)
}
