import FaxDropCore
import FaxDropHTTP
import FaxDropSystem
import XCTest

final class WebhookTests: XCTestCase {
    /// RFC 4231 test case 2.
    func testSignatureIsHMACSHA256OfTheBody() {
        XCTAssertEqual(
            WebhookNotifier.signature(body: Array("what do ya want for nothing?".utf8), secret: Secret("Jefe")),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    func testOnlyPlainHTTPURLs() {
        XCTAssertEqual(HTTPPost.Target("http://127.0.0.1:9000/hook?x=1")?.description, "http://127.0.0.1:9000/hook?x=1")
        XCTAssertEqual(HTTPPost.Target("http://example.org")?.path, "/")
        XCTAssertEqual(HTTPPost.Target("http://example.org")?.port, 80)
        XCTAssertNil(HTTPPost.Target("https://example.org/hook"))
        XCTAssertNil(HTTPPost.Target("ftp://example.org/hook"))
        XCTAssertNil(HTTPPost.Target("http://user:pw@example.org/hook"))
        XCTAssertNil(HTTPPost.Target("not a url"))
    }

    /// A receiver that refuses for good (4xx) is not retried; one that is down is retried, then abandoned.
    func testPermanentRefusalAndUnreachableReceiver() async throws {
        let spool = try HTTPTestSpool()
        let sidecarPath = spool.base + "/s.json"
        try Data("{\"job_id\":\"x\"}".utf8).write(to: URL(fileURLWithPath: sidecarPath))
        let receiver = try WebhookReceiver(statuses: [400], folder: spool.base)
        let metrics = Metrics()
        let webhook = WebhookNotifier(
            target: HTTPPost.Target("http://127.0.0.1:\(receiver.port)/h")!, secret: nil,
            backoff: .init(first: .milliseconds(10), max: .milliseconds(20), attempts: 3), metrics: metrics, logger: quietLogger())
        let sidecar = Fixtures.sidecar(destination: "+15551234567")
        webhook.jobFinished(sidecar, sidecarPath: sidecarPath)
        let requests = try await receiver.waitFor(1, timeout: 10)
        XCTAssertNil(requests[0].headers["x-faxdrop-signature"], "no secret, no signature")

        // Nobody listens on port 9 of loopback: retried, then given up.
        let unreachable = WebhookNotifier(
            target: HTTPPost.Target("http://127.0.0.1:9/h")!, secret: Secret("k"),
            backoff: .init(first: .milliseconds(10), max: .milliseconds(20), attempts: 3), metrics: metrics, logger: quietLogger())
        unreachable.jobFinished(sidecar, sidecarPath: sidecarPath)
        let deadline = Date().addingTimeInterval(20)
        var text = ""
        while Date() < deadline {
            text = metrics.exposition(.init(jobs: [], callsInProgress: 0, dropZoneFiles: 0, amiConnected: nil))
            if text.contains("result=\"abandoned\"} 2") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTAssertTrue(text.contains("faxdrop_webhook_deliveries_total{result=\"abandoned\"} 2"), text)
        XCTAssertTrue(text.contains("faxdrop_webhook_deliveries_total{result=\"retried\"} 2"), text)
        XCTAssertEqual(receiver.requests.count, 1, "a 400 is not retried")
        await webhook.stop()
        await unreachable.stop()
    }
}
