import FaxDropCore
import FaxDropDaemon
import FaxDropHTTP
import FaxDropIndex
import FaxDropSystem
import Foundation
import XCTest

/// `GET /fax?…` and the job index behind it, on a running gateway (loopback line, real
/// renderer, real SQLite, real curl).
final class FaxListTests: XCTestCase {
    /// A sidecar written while the daemon was down is listed; a busy number's job shows
    /// `waiting` (with its next try) and then `failed`, as the engine moves it.
    func testListFollowsLiveTransitionsAndFindsOlderSidecars() async throws {
        let spool = try HTTPTestSpool()
        let old = Self.oldSidecar()
        try AtomicFile.write(
            try JSONEncoder.faxdrop().encode(old), to: spool.spool.sidecar(old.jobID, status: .failed),
            stagingDirectory: spool.spool.tmp)
        let gateway = try await RunningGateway.start(
            spool, settings: ["API_KEY": "k", "FAXDROP_MAX_ATTEMPTS": "2", "FAXDROP_RETRY_BUSY": "1"])
        func list(_ query: String, key: String? = "k") throws -> CurlAnswer {
            try curl([gateway.base + "/fax?" + query] + (key.map { ["-H", "X-API-Key: \($0)"] } ?? []))
        }

        let older = try list("q=old-referral")
        XCTAssertEqual(older.status, 200, older.body)
        XCTAssertEqual(older.json?["total"] as? Int, 1, older.body)
        let oldRow = try XCTUnwrap((older.json?["rows"] as? [[String: Any]])?.first)
        XCTAssertEqual(oldRow["id"] as? String, old.jobID.value)
        XCTAssertEqual(oldRow["error_code"] as? String, "no_answer")
        XCTAssertEqual(oldRow["destination"] as? String, "+15557654321")

        let folder = spool.spool.outgoing + "/+15550000486"
        try Syscall.mkdirIfNeeded(folder)
        try FileManager.default.copyItem(atPath: Fixtures.onePageLetter, toPath: folder + "/busy.pdf")

        var seen: [String] = []
        var waitingRow: [String: Any]?
        var finalRow: [String: Any]?
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline, finalRow == nil {
            let answer = try list("number=%2B15550000486")
            XCTAssertEqual(answer.status, 200, answer.body)
            if let row = (answer.json?["rows"] as? [[String: Any]])?.first, let state = row["state"] as? String {
                if seen.last != state { seen.append(state) }
                if state == "waiting", row["not_before"] != nil { waitingRow = row }
                // The sidecar's row (with its completion time); the final journal may show
                // `failed` a moment before the sidecar is written.
                if state == "failed", row["completed_at"] is String { finalRow = row }
            }
            try await Task.sleep(for: .milliseconds(40))
        }
        let failed = try XCTUnwrap(finalRow, "states seen: \(seen)")
        let waiting = try XCTUnwrap(waitingRow, "no waiting row with a next try; states seen: \(seen)")
        XCTAssertEqual(waiting["error_code"] as? String, "busy")
        XCTAssertEqual(waiting["attempts"] as? Int, 1)
        XCTAssertEqual(failed["error_code"] as? String, "busy")
        XCTAssertEqual(failed["attempts"] as? Int, 2)
        XCTAssertEqual(failed["original_name"] as? String, "busy.pdf")
        XCTAssertNotNil(failed["completed_at"] as? String)
        XCTAssertLessThan(seen.firstIndex(of: "waiting") ?? 99, seen.firstIndex(of: "failed") ?? -1, "\(seen)")

        // Filters and paging.
        let both = try list("status=failed&per_page=1")
        XCTAssertEqual(both.json?["total"] as? Int, 2, both.body)
        XCTAssertEqual((both.json?["rows"] as? [[String: Any]])?.count, 1)
        XCTAssertEqual(
            (both.json?["rows"] as? [[String: Any]])?.first?["original_name"] as? String, "busy.pdf", "newest first")
        let second = try list("status=failed&per_page=1&page=2")
        XCTAssertEqual((second.json?["rows"] as? [[String: Any]])?.first?["id"] as? String, old.jobID.value)
        XCTAssertEqual(second.json?["page"] as? Int, 2)
        XCTAssertEqual(second.json?["per_page"] as? Int, 1)
        XCTAssertEqual(second.json.map { Set($0.keys) }, ["rows", "total", "page", "per_page"])
        XCTAssertEqual(try list("code=busy").json?["total"] as? Int, 1)
        XCTAssertEqual(try list("status=sent").json?["total"] as? Int, 0)
        XCTAssertEqual(try list("from=2020-01-01&to=2020-01-01").json?["total"] as? Int, 1, "the old sidecar's day")

        // Refusals: no key, a wrong key, a state that does not exist, a page that is no number.
        XCTAssertEqual(try list("status=failed", key: nil).status, 401)
        XCTAssertEqual(try list("status=failed", key: "wrong").status, 401)
        let bogus = try list("status=lost")
        XCTAssertEqual(bogus.status, 400)
        XCTAssertEqual(bogus.errorCode, "bad_request")
        XCTAssertEqual(try list("page=zero").status, 400)

        // /metrics counts the sidecars from the index.
        let metrics = try curl([gateway.base + "/metrics"])
        XCTAssertTrue(metrics.body.contains("faxdrop_jobs_ended{code=\"busy\",status=\"failed\"} 1"), metrics.body)
        XCTAssertTrue(metrics.body.contains("faxdrop_jobs_ended{code=\"no_answer\",status=\"failed\"} 1"), metrics.body)
        await gateway.stop()
    }

    /// A sidecar from before the daemon started, queued on 2020-01-01.
    static func oldSidecar() -> Sidecar {
        let queued = Date(timeIntervalSince1970: 1_577_880_000)  // 2020-01-01T12:00:00Z
        var sidecar = Sidecar(
            jobID: JobID(milliseconds: 1_577_880_000_000, random: (hi: 1, lo: 2)), status: .failed,
            destination: "+15557654321",
            document: Sidecar.Document(
                originalName: "old-referral.pdf", storedAs: nil, bytes: 10, sha256: String(repeating: "0", count: 64),
                format: .pdf),
            pages: Sidecar.Pages(total: 1, sent: 0),
            fax: Sidecar.Fax(resolution: .fine, paper: .letter, header: "FaxDrop", localStationID: "+15550000000"),
            attempts: [AttemptRecord(number: 1, startedAt: queued, endedAt: queued, outcome: "no_answer")],
            error: Sidecar.Failure(FaxError(.noAnswer, "no answer")), queuedAt: queued,
            completedAt: queued.addingTimeInterval(60),
            gateway: Sidecar.Gateway(host: "old", version: "0.0.9"))
        sidecar.recipient = Sidecar.Recipient(number: "+15557654321", name: nil)
        return sidecar
    }
}
