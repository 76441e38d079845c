import FaxDropCore
import FaxDropDaemon
import FaxDropRenderClient
import Foundation
import Logging
import XCTest

/// Named destination folders (`+E164 Label`) and folder options (`.faxdrop`), through the
/// real pipeline: real inotify, the real `faxdrop-render` workers, the loopback line.
final class NamedFolderTests: XCTestCase {
    private let onePage = TestSpool.corpus + "/pdf/23-onepage-letter.pdf"

    /// Copies the one-page letter to each of `paths` (below `outgoing/`) and waits for as many
    /// sidecars: returns them by the document's name.
    private func send(_ paths: [String], in spool: TestSpool) async throws -> [String: Sidecar] {
        for path in paths { try spool.copy(onePage, to: path) }
        let sidecars = try await spool.waitForSidecars(paths.count, timeout: 30)
        return Dictionary(uniqueKeysWithValues: sidecars.map { ($0.document.originalName, $0) })
    }

    /// A labelled folder dials its number; the label reaches the sidecar as written, PDF
    /// and PostScript syntax included; a label that could forge text fails
    /// `invalid_destination` and nothing is dialled for it.
    func testLabelledFolderSendsToItsNumber() async throws {
        let spool = try TestSpool()
        try await startLoopbackDaemon(spool, noAnswerSeconds: 0.1)
        let hostile = #"Dr. O'Brien (Clinic) \) show %%EOF"#
        let byName = try await send(
            [
                "+15551234567 Smith Pharmacy/rx.pdf", "+15557654321 \(hostile)/ps.pdf",
                "+15551112222 forged\u{1B}[2J/escape.pdf", "+15553334444/plain.pdf",
            ], in: spool)
        let rx = try XCTUnwrap(byName["rx.pdf"])
        XCTAssertEqual(rx.status, .sent)
        XCTAssertEqual(rx.destination, "+15551234567")
        XCTAssertEqual(rx.recipient, Sidecar.Recipient(number: "+15551234567", name: "Smith Pharmacy"))
        XCTAssertEqual(rx.attempts.count, 1)
        let ps = try XCTUnwrap(byName["ps.pdf"])
        XCTAssertEqual(ps.status, .sent)
        XCTAssertEqual(ps.recipient?.name, hostile)
        let escape = try XCTUnwrap(byName["escape.pdf"])
        XCTAssertEqual(escape.error?.code, .invalidDestination)
        XCTAssertEqual(escape.attempts.count, 0)
        XCTAssertNil(escape.recipient)
        let plain = try XCTUnwrap(byName["plain.pdf"])
        XCTAssertEqual(plain.recipient, Sidecar.Recipient(number: "+15553334444", name: nil))
        XCTAssertNil(plain.options)
        try TestSpool.assertValid(spool.sidecars().done + spool.sidecars().failed)
        // Old readers: the fields are only added, never changed.
        let json =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: spool.spool.sidecar(rx.jobID, status: .sent))))
            as? [String: Any]
        XCTAssertEqual(json?["destination"] as? String, "+15551234567")
    }

    /// A folder's `.faxdrop` file sets its jobs' resolution, paper and attempts; a bad file
    /// fails the folder's jobs `invalid_options` naming the line, keeps the document, dials
    /// nothing; fixing the file lets the next drop through.
    func testFolderOptionsApplyAndABadFileFailsItsJobs() async throws {
        let spool = try TestSpool()
        try await startLoopbackDaemon(
            spool, ["FAXDROP_MAX_ATTEMPTS": "5", "FAXDROP_RETRY_BUSY": "0.1"], noAnswerSeconds: 0.1)
        let good = spool.root + "/outgoing/+15551234567 Smith Pharmacy"
        let bad = spool.root + "/outgoing/+15557654321"
        let busy = spool.root + "/outgoing/+15550000486 Busy Office"
        for folder in [good, bad, busy] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        try Data("RESOLUTION=normal\nPAPER=a4\nPRIORITY=high\n".utf8).write(
            to: URL(fileURLWithPath: good + "/.faxdrop"))
        try Data("# options\nRESOLUTION=normal\nPAPER=legal\n".utf8).write(to: URL(fileURLWithPath: bad + "/.faxdrop"))
        try Data("MAX_ATTEMPTS=2\n".utf8).write(to: URL(fileURLWithPath: busy + "/.faxdrop"))
        let byName = try await send(
            [
                "+15551234567 Smith Pharmacy/a.pdf", "+15557654321/b.pdf", "+15557654321/c.pdf",
                "+15550000486 Busy Office/d.pdf",
            ], in: spool)
        let a = try XCTUnwrap(byName["a.pdf"])
        XCTAssertEqual(a.status, .sent)
        XCTAssertEqual(a.fax.resolution, .normal)
        XCTAssertEqual(a.fax.paper, .a4)
        XCTAssertEqual(a.options, JobOptions(priority: .high, resolution: .normal, paper: .a4))
        for name in ["b.pdf", "c.pdf"] {
            let failed = try XCTUnwrap(byName[name])
            XCTAssertEqual(failed.error?.code, .invalidOptions)
            XCTAssertEqual(failed.error?.message, ".faxdrop line 3: PAPER must be letter or a4")
            XCTAssertEqual(failed.error?.stage, .input)
            XCTAssertEqual(failed.attempts.count, 0)
            XCTAssertEqual(failed.document.sha256.count, 64)
            let kept = spool.spool.failed + "/" + (try XCTUnwrap(failed.document.storedAs))
            XCTAssertTrue(FileManager.default.fileExists(atPath: kept))
        }
        // The test number 0486 is always busy: two attempts, not the gateway's five.
        let d = try XCTUnwrap(byName["d.pdf"])
        XCTAssertEqual(d.error?.code, .busy)
        XCTAssertEqual(d.attempts.count, 2)
        XCTAssertEqual(d.recipient?.name, "Busy Office")
        // The .faxdrop files themselves are never taken.
        for folder in [good, bad, busy] { XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/.faxdrop")) }
        try TestSpool.assertValid(spool.sidecars().done + spool.sidecars().failed)

        try Data("RESOLUTION=normal\nPAPER=letter\n".utf8).write(to: URL(fileURLWithPath: bad + "/.faxdrop"))
        try spool.copy(onePage, to: "+15557654321/e.pdf")
        let after = try await spool.waitForSidecars(5, timeout: 30)
        let e = try XCTUnwrap(after.first { $0.document.originalName == "e.pdf" })
        XCTAssertEqual(e.status, .sent)
        XCTAssertEqual(e.fax.resolution, .normal)
    }

    /// A `.faxdrop` that is a symlink or a FIFO is not followed or opened for options: the
    /// folder's jobs fail `invalid_options`, and the daemon goes on.
    func testOptionsFileThatIsNoFileIsRefused() async throws {
        let spool = try TestSpool()
        try await startLoopbackDaemon(spool, noAnswerSeconds: 0.1)
        let linked = spool.root + "/outgoing/+15551234567"
        let fifo = spool.root + "/outgoing/+15557654321"
        for folder in [linked, fifo] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        XCTAssertEqual(symlink("/etc/passwd", linked + "/.faxdrop"), 0)
        XCTAssertEqual(mkfifo(fifo + "/.faxdrop", 0o644), 0)
        try spool.copy(onePage, to: "+15551234567/a.pdf")
        try spool.copy(onePage, to: "+15557654321/b.pdf")
        let sidecars = try await spool.waitForSidecars(2, timeout: 30)
        let messages = sidecars.map { $0.error?.message ?? "" }.sorted()
        XCTAssertEqual(sidecars.map(\.error?.code), [.invalidOptions, .invalidOptions])
        XCTAssertEqual(
            messages, [".faxdrop: is a fifo, not a regular file", ".faxdrop: is a symbolic link; not followed"])
    }
}
