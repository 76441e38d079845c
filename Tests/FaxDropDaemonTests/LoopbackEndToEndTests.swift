import FaxDropCore
import FaxDropDaemon
import FaxDropRenderClient
import Foundation
import Logging
import XCTest

/// The real pipeline on the loopback line: real inotify, the real `faxdrop-render`
/// workers (Ghostscript, libtiff), the scheduler, sidecars validated against the schema.
final class LoopbackEndToEndTests: XCTestCase {
    struct PoolRenderer: DocumentRenderer {
        let pool: RenderPool
        func render(_ request: RenderRequest, logger: Logger) async -> RenderReply {
            await pool.render(request, logger: logger)
        }
    }

    func testTwoPagePDFIsSentWithOneSidecar() async throws {
        let spool = try TestSpool()
        try await startLoopbackDaemon(spool, ["FAXDROP_LOOPBACK_PAGE_SECONDS": "0.1"], noAnswerSeconds: 0.3)
        let sidecar = try await spool.sendTwoPageForms()
        XCTAssertEqual(sidecar.document.format, .pdf)
        XCTAssertEqual(sidecar.destination, "+15551234567")
        XCTAssertEqual(sidecar.attempts.first?.details.faxStatus, "SUCCESS")
        let original = try Data(contentsOf: URL(fileURLWithPath: TestSpool.twoPageForms))
        let stored = try Data(
            contentsOf: URL(fileURLWithPath: spool.spool.done + "/" + (try XCTUnwrap(sidecar.document.storedAs))))
        XCTAssertEqual(stored, original)
        try await spool.assertActiveEmpties()
        try TestSpool.assertValid(spool.sidecars().done)
    }

    /// Each loopback test number ends with the outcome and code the README documents.
    func testEachTestNumberEndsAsDocumented() async throws {
        let spool = try TestSpool()
        try await startLoopbackDaemon(spool, testNumberSettings, noAnswerSeconds: 0.3)
        try await assertTestNumbersEndAsDocumented(spool, timeout: 60)
    }

    /// 1,000 files dropped at once into 10 destination folders: 1,000 sidecars, no job twice.
    func testThousandFilesInTenFolders() async throws {
        let spool = try TestSpool()
        try await startLoopbackDaemon(
            spool, ["FAXDROP_MAX_CALLS": "20", "FAXDROP_MAX_CALLS_PER_DESTINATION": "5"], noAnswerSeconds: 0.3)
        let staging = spool.root + "/../staging"
        let document = try Data(contentsOf: URL(fileURLWithPath: TestSpool.corpus + "/pdf/23-onepage-letter.pdf"))
        var expected = Set<String>()
        for folder in 0..<10 {
            let number = "+1555000\(String(format: "%04d", 2000 + folder))"
            try FileManager.default.createDirectory(atPath: staging + "/" + number, withIntermediateDirectories: true)
            for i in 0..<100 {
                XCTAssertTrue(
                    FileManager.default.createFile(atPath: staging + "/\(number)/doc-\(i).pdf", contents: document))
                expected.insert("\(number)/doc-\(i).pdf")
            }
        }
        // The folders land at once: some files arrive before their folder is watched.
        for folder in try FileManager.default.contentsOfDirectory(atPath: staging) {
            try FileManager.default.moveItem(
                atPath: staging + "/" + folder, toPath: spool.spool.outgoing + "/" + folder)
        }
        let sidecars = try await spool.waitForSidecars(1000, timeout: 600)
        XCTAssertEqual(sidecars.count, 1000)
        let names = sidecars.map { "\($0.destination)/\($0.document.originalName)" }
        XCTAssertEqual(Set(names), expected, "every file once")
        XCTAssertEqual(names.count, Set(names).count, "no job twice")
        XCTAssertEqual(Set(sidecars.map(\.jobID)).count, 1000)
        XCTAssertTrue(sidecars.allSatisfy { $0.status == .sent && $0.pages.sent == 1 })
        try TestSpool.assertValid(Array(spool.sidecars().done.prefix(50)))
    }

    /// `faxdrop cancel` hangs up a live call; `faxdrop retry` queues the failed job again
    /// as a new job naming the old one.
    func testCancelALiveCallThenRetryIt() async throws {
        let spool = try TestSpool()
        try await startLoopbackDaemon(spool, ["FAXDROP_LOOPBACK_PAGE_SECONDS": "5"], noAnswerSeconds: 0.3)
        try spool.copy(TestSpool.corpus + "/pdf/23-onepage-letter.pdf", to: "+15551234567/long-call.pdf")
        let journal = JournalStore(spool: spool.spool)
        var live: JobRecord?
        let deadline = Date().addingTimeInterval(30)
        while live == nil && Date() < deadline {
            live = try journal.scan().compactMap(\.record).first { $0.state == .dialing || $0.state == .sending }
            try await Task.sleep(for: .milliseconds(50))
        }
        let job = try XCTUnwrap(live, "the call never started")
        try ControlRequest.cancel(job.jobID).post(to: spool.spool)
        let first = try await spool.waitForSidecars(1, timeout: 10)
        let cancelled = try XCTUnwrap(first.first)
        XCTAssertEqual(cancelled.jobID, job.jobID)
        XCTAssertEqual(cancelled.error?.code, .cancelled)
        XCTAssertEqual(cancelled.attempts.count, 1)
        XCTAssertEqual(cancelled.pages.sent, 0)

        var generator = JobIDGenerator()
        let retryID = generator.next(milliseconds: UInt64(Date().timeIntervalSince1970 * 1000))
        try ControlRequest.retry(old: job.jobID, new: retryID).post(to: spool.spool)
        let both = try await spool.waitForSidecars(2, timeout: 30)
        let retried = try XCTUnwrap(both.first { $0.jobID == retryID })
        XCTAssertEqual(retried.status, .sent)
        XCTAssertEqual(retried.retryOf, job.jobID)
        XCTAssertEqual(retried.document.sha256, cancelled.document.sha256)
        // The failed job's record and document are left as they were.
        XCTAssertNotNil(StatusReport.sidecar(job.jobID, spool: spool.spool))
        XCTAssertTrue(
            FileManager.default.fileExists(
                atPath: spool.spool.failed + "/" + (try XCTUnwrap(cancelled.document.storedAs))))
        try TestSpool.assertValid(spool.sidecars().done + spool.sidecars().failed)
    }
}

extension TestSpool {
    /// A two-page PDF form.
    static let twoPageForms = corpus + "/pdf/27-scan-ccitt-forms-only.pdf"

    /// Drops `twoPageForms` for +15551234567 and waits for its sidecar: one, sent whole at
    /// the first attempt.
    func sendTwoPageForms(file: StaticString = #filePath, line: UInt = #line) async throws -> Sidecar {
        try copy(Self.twoPageForms, to: "+15551234567/forms.pdf")
        let sidecars = try await waitForSidecars(1, timeout: 30, file: file, line: line)
        let sidecar = try XCTUnwrap(sidecars.first, file: file, line: line)
        XCTAssertEqual(sidecar.status, .sent, file: file, line: line)
        XCTAssertNil(sidecar.error, file: file, line: line)
        XCTAssertEqual(sidecar.pages, Sidecar.Pages(total: 2, sent: 2), file: file, line: line)
        XCTAssertEqual(sidecar.attempts.map(\.outcome), ["sent"], file: file, line: line)
        return sidecar
    }
}
