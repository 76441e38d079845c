import FaxDropCore
import FaxDropDaemon
import FaxDropFaxImage
import FaxDropRenderClient
import FaxDropSystem
import FaxDropTestSupport
import Foundation
import XCTest

/// `faxdrop submit` with the per-job options: the real binary queues, the daemon (real
/// renderer, loopback line) sends; hostile values are refused and nothing is queued.
final class SubmitOptionsCLITests: XCTestCase {
    private func faxdrop(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try Self.faxdrop(arguments)
    }

    /// Runs the real `faxdrop` binary built beside the tests.
    static func faxdrop(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try runProgram(PackagePaths.executable("faxdrop"), arguments)
    }

    func testSubmitWithOptionsToTwoNumbers() async throws {
        let spool = try TestSpool()
        let document = TestSpool.corpus + "/pdf/23-onepage-letter.pdf"
        let result = try faxdrop([
            "submit", document, "--spool", spool.root, "--to", "+15551234567", "--to", "+15557654321", "--cover",
            "--recipient-name", "Smith Pharmacy", "--subject", "Refill (urgent) \\", "--note", "Call us.",
            "--priority", "high", "--send-at", "2020-01-01T00:00:00Z",
        ])
        XCTAssertEqual(result.status, 0, result.error)
        let lines = result.output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(lines.map { $0[1] }, ["+15551234567", "+15557654321"])
        XCTAssertEqual(Set(lines.map { $0[3] }).count, 1, "one batch")

        let backend = LoopbackBackend(pageSeconds: 0, logger: testLogger())
        try await startRenderingDaemon(spool, backend: backend)
        let sidecars = try await spool.waitForSidecars(2, timeout: 60)
        for sidecar in sidecars {
            XCTAssertEqual(sidecar.status, .sent, sidecar.error?.message ?? "")
            XCTAssertEqual(sidecar.pages.total, 2, "cover and page")
            XCTAssertEqual(sidecar.recipient?.name, "Smith Pharmacy")
            XCTAssertEqual(
                sidecar.options,
                JobOptions(cover: true, subject: "Refill (urgent) \\", note: ["Call us."], priority: .high))
            XCTAssertEqual(sidecar.batchID, lines[0][3])
            XCTAssertEqual(sidecar.sendAt, Date(timeIntervalSince1970: 1_577_836_800))
        }
        XCTAssertEqual(Set(sidecars.map(\.jobID.value)), Set(lines.map { $0[0] }))
        try TestSpool.assertValid(spool.sidecars().done)
    }

    /// `--resolution`, `--paper` and `--max-attempts` reach the fax and the retry rule: the
    /// image on the line is 98 dpi and A4 wide, and a number that does not answer fails after
    /// one attempt instead of the gateway's several.
    func testSubmitResolutionPaperAndMaxAttempts() async throws {
        let spool = try TestSpool()
        let document = TestSpool.corpus + "/pdf/23-onepage-letter.pdf"
        let result = try faxdrop([
            "submit", document, "--spool", spool.root, "--to", "+15550000480", "--resolution", "normal", "--paper",
            "a4",
            "--max-attempts", "1",
        ])
        XCTAssertEqual(result.status, 0, result.error)
        let pool = RenderPool(
            executable: RenderPool.defaultExecutable(), workers: 1, timeout: .seconds(60), logger: testLogger())
        addTeardownBlock { await pool.shutdown() }
        let backend = ImageKeepingBackend(folder: (spool.root as NSString).deletingLastPathComponent)
        _ = try await startDaemon(
            spool, ["FAXDROP_MAX_ATTEMPTS": "3", "FAXDROP_RETRY_NO_ANSWER": "1"],
            renderer: LoopbackEndToEndTests.PoolRenderer(pool: pool), backend: backend)
        let found = try await spool.waitForSidecars(1, timeout: 60)
        let sidecar = try XCTUnwrap(found.first)
        XCTAssertEqual(sidecar.status, .failed)
        XCTAssertEqual(sidecar.error?.code, .noAnswer)
        XCTAssertEqual(sidecar.attempts.count, 1, "max attempts 1, not the gateway's 3")
        XCTAssertEqual(sidecar.fax.resolution, .normal)
        XCTAssertEqual(sidecar.fax.paper, .a4)
        XCTAssertEqual(sidecar.options, JobOptions(maxAttempts: 1, resolution: .normal, paper: .a4))
        let image = try XCTUnwrap(backend.kept.withLock { $0["+15550000480"] })
        let page = try XCTUnwrap(try FaxImage.inspect(image).first)
        XCTAssertEqual(Int(page.verticalDPI.rounded()), 98)
        XCTAssertEqual(page.width, 1728, "A4 and letter are both 1728 pixels wide")
        XCTAssertGreaterThan(page.height, 1100, "A4 at 98 dpi is 1143 rows, letter 1078")
        try TestSpool.assertValid(spool.sidecars().failed)

        for bad in [
            ["--resolution", "superfine"], ["--paper", "legal"], ["--max-attempts", "0"], ["--max-attempts", "101"],
        ] {
            let refused = try faxdrop(["submit", document, "--spool", spool.root, "--to", "+15551234567"] + bad)
            XCTAssertNotEqual(refused.status, 0, "\(bad)")
        }
    }

    /// A scheduled job: `status` shows when it will go and its priority.
    func testStatusShowsSendAtAndPriority() throws {
        let spool = try TestSpool()
        defer { try? FileManager.default.removeItem(atPath: (spool.root as NSString).deletingLastPathComponent) }
        let document = TestSpool.corpus + "/pdf/23-onepage-letter.pdf"
        let submitted = try faxdrop([
            "submit", document, "--spool", spool.root, "--to", "+15551234567", "--send-at", "2099-01-01T08:00:00+01:00",
            "--priority", "high",
        ])
        XCTAssertEqual(submitted.status, 0, submitted.error)
        let status = try faxdrop(["status", "--spool", spool.root])
        XCTAssertTrue(status.output.contains("send at 2099-01-01T07:00:00.000Z  priority high"), status.output)
        let json = try faxdrop(["status", "--spool", spool.root, "--json"])
        let active = try XCTUnwrap(
            (try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])?["active"]
                as? [[String: Any]])
        XCTAssertEqual(active.first?["send_at"] as? String, "2099-01-01T07:00:00.000Z")
        XCTAssertEqual(active.first?["priority"] as? String, "high")
    }

    func testHostileValuesAreRefused() throws {
        let spool = try TestSpool()
        defer { try? FileManager.default.removeItem(atPath: (spool.root as NSString).deletingLastPathComponent) }
        let document = TestSpool.corpus + "/pdf/23-onepage-letter.pdf"
        for extra in [
            ["--recipient-name", "Smith\u{1B}]0;owned\u{7}"], ["--subject", "a\nb"], ["--note", "x\u{200B}y"],
            ["--send-at", "soon"], ["--priority", "urgent"], ["--to", "+1555 Smith"],
        ] {
            let result = try faxdrop(["submit", document, "--spool", spool.root, "--to", "+15551234567"] + extra)
            XCTAssertNotEqual(result.status, 0, "\(extra)")
            XCTAssertFalse(result.error.contains("\u{1B}"), result.error)
        }
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.active), [])
    }
}
