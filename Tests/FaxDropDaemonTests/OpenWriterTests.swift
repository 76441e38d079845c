import FaxDropCore
import FaxDropDaemon
import FaxDropRenderClient
import FaxDropSystem
import Foundation
import Logging
import XCTest

/// Never fax a file that is still being written (issue 16): a file some process holds open
/// for writing is not claimed, whatever the rescans say, and a document written to after
/// its claim ends `document_changed` instead of `sent`.
final class OpenWriterTests: XCTestCase {
    /// A scanner-like writer: writes a page, keeps the file open through a pause longer than
    /// the settle time while rescans run every second, writes the rest, closes.
    func testFileHeldOpenThroughAPauseIsTakenOnlyOnceClosedWhole() async throws {
        let spool = try TestSpool()
        let folder = try await startRecordingDaemon(spool, slowWriterSettings).folder
        let path = folder + "/scan.txt"
        let page1 = Array(String(repeating: "page one\n", count: 500).utf8)
        let page2 = Array(String(repeating: "page two\n", count: 500).utf8)
        let fd = try Syscall.open(path, O_WRONLY | O_CREAT | O_EXCL)
        try page1.withUnsafeBytes { try Syscall.writeAll(fd, $0) }
        // The pause: three settle times and three rescans. The file must stay where it is.
        let pauseEnds = Date().addingTimeInterval(3.5)
        while Date() < pauseEnds {
            XCTAssertNotNil(try Syscall.lstatIfExists(path), "claimed while still open for writing")
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTAssertEqual(spool.sidecars().done.count + spool.sidecars().failed.count, 0)
        try page2.withUnsafeBytes { try Syscall.writeAll(fd, $0) }
        Syscall.close(fd)

        let sidecars = try await spool.waitForSidecars(1, timeout: 15)
        XCTAssertEqual(sidecars.count, 1, "claimed once")
        let sidecar = try XCTUnwrap(sidecars.first)
        XCTAssertEqual(sidecar.document.bytes, Int64(page1.count + page2.count), "taken whole")
        XCTAssertEqual(sidecar.document.sha256, SHA256.hex(page1 + page2))
        let kept = try AtomicFile.read(spool.spool.failed + "/" + (try XCTUnwrap(sidecar.document.storedAs)))
        XCTAssertEqual(SHA256.hex(kept), sidecar.document.sha256, "the sidecar describes the kept file")
    }

    /// Written to after the claim (while the call is on the line): the job ends
    /// `document_changed`; `bytes`/`sha256` describe what was rendered and sent.
    func testAWriteAfterTheClaimEndsDocumentChanged() async throws {
        let spool = try TestSpool()
        let settings = ["FAXDROP_LOOPBACK_PAGE_SECONDS": "1.5"]
        try await startLoopbackDaemon(spool, settings, noAnswerSeconds: 0.3, workers: 1)
        let original = Array("One page of text to fax.\n".utf8)
        try spool.write(original, to: "+15551234567/note.txt")

        // Wait until the call is on the line, then write to the claimed document.
        let journals = JournalStore(spool: spool.spool)
        let deadline = Date().addingTimeInterval(30)
        var job: JobID?
        while job == nil && Date() < deadline {
            for (id, record) in (try? journals.scan()) ?? []
            where record?.state == .sending || record?.state == .dialing {
                job = id
            }
            if job == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        let id = try XCTUnwrap(job, "the call never started")
        let fd = try Syscall.open(spool.spool.document(id), O_WRONLY | O_APPEND)
        let extra = Array("a line added after the claim\n".utf8)
        try extra.withUnsafeBytes { try Syscall.writeAll(fd, $0) }
        Syscall.close(fd)

        let sidecars = try await spool.waitForSidecars(1, timeout: 30)
        let sidecar = try XCTUnwrap(sidecars.first)
        XCTAssertEqual(sidecar.status, .failed)
        XCTAssertEqual(sidecar.error?.code, .documentChanged)
        XCTAssertEqual(sidecar.error?.stage, .input)
        XCTAssertEqual(sidecar.document.sha256, SHA256.hex(original), "the digest is of what was rendered")
        XCTAssertEqual(sidecar.document.bytes, Int64(original.count))
        let kept = try AtomicFile.read(spool.spool.failed + "/" + (try XCTUnwrap(sidecar.document.storedAs)))
        XCTAssertEqual(kept, original + extra, "the changed file is kept, never deleted")
        try TestSpool.assertValid(spool.sidecars().failed)
    }
}
