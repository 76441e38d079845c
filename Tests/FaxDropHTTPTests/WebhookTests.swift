import FaxDropCore
import FaxDropDaemon
import FaxDropHTTP
import FaxDropNotify
import FaxDropSystem
import Foundation
import Logging
import XCTest

final class WebhookTests: XCTestCase {
    /// RFC 4231 test case 2, for Nettle's HMAC as the project calls it.
    func testHMACSHA256() {
        XCTAssertEqual(
            HMACSHA256.hex(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    /// The signature covers `<timestamp>.<body>`: checked against Python's own `hmac`, so the
    /// receiver recipe in the README works; a different timestamp gives a different signature.
    func testSignatureCoversTheTimestampAndTheBody() throws {
        let body = Array(#"{"job_id":"01KB2Y9M4Q3V8J6T0ZP1C5R7WX","status":"sent"}"#.utf8)
        let signature = WebhookNotifier.signature(timestamp: 1_764_374_400, body: body, secret: Secret("hook-secret"))
        let script = """
            import hmac, hashlib, sys
            body = sys.stdin.buffer.read()
            print("sha256=" + hmac.new(b"hook-secret", b"1764374400." + body, hashlib.sha256).hexdigest())
            """
        let python = try runProgram(python, pythonPrefix + ["-c", script], input: Data(body))
        XCTAssertEqual(python.status, 0, python.error)
        XCTAssertEqual(signature, python.output.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertNotEqual(
            signature, WebhookNotifier.signature(timestamp: 1_764_374_401, body: body, secret: Secret("hook-secret")))
    }

    func testHTTPAndHTTPSURLs() {
        XCTAssertEqual(HTTPPost.Target("http://127.0.0.1:9000/hook?x=1")?.description, "http://127.0.0.1:9000/hook?x=1")
        XCTAssertEqual(HTTPPost.Target("http://example.org")?.path, "/")
        XCTAssertEqual(HTTPPost.Target("http://example.org")?.port, 80)
        XCTAssertEqual(HTTPPost.Target("https://example.org/hook")?.port, 443)
        XCTAssertEqual(HTTPPost.Target("https://example.org/hook")?.description, "https://example.org/hook")
        XCTAssertEqual(HTTPPost.Target("HTTPS://localhost:8443/h")?.description, "https://localhost:8443/h")
        XCTAssertNil(HTTPPost.Target("ftp://example.org/hook"))
        XCTAssertNil(HTTPPost.Target("http://user:pw@example.org/hook"))
        XCTAssertNil(HTTPPost.Target("not a url"))
    }

    /// An https:// receiver with a certificate from a test CA: delivered when the CA file is
    /// configured, with a fresh timestamp and a signature over it; refused (not delivered,
    /// logged, abandoned) with the system's CA store, which does not know that CA.
    func testHTTPSWebhookTrustsTheConfiguredCAOnly() async throws {
        let spool = try HTTPTestSpool()
        let ca = try TestCA(folder: spool.base)
        let sidecarPath = spool.base + "/s.json"
        let body = Data("{\"job_id\":\"x\"}".utf8)
        try body.write(to: URL(fileURLWithPath: sidecarPath))
        let receiver = try WebhookReceiver(
            statuses: [200], folder: spool.base, tls: (certificate: ca.serverCertificate, key: ca.serverKey))
        let metrics = Metrics()
        let secret = Secret("hook-secret-789")
        let logPath = spool.base + "/log.txt"
        let fd = try Syscall.open(logPath, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600)
        defer { Syscall.close(fd) }
        let handler = FaxDropLogHandler(
            label: "t", format: .text, level: .info, secrets: [secret.value], sink: .init(fd: fd))
        let logger = Logger(label: "t") { _ in handler }
        let backoff = WebhookNotifier.Backoff(first: .milliseconds(10), max: .milliseconds(20), attempts: 2)
        let sidecar = Fixtures.sidecar(destination: "+15551234567")

        let trusted = WebhookNotifier(
            target: HTTPPost.Target("https://localhost:\(receiver.port)/h")!, secret: secret,
            client: HTTPPost(caFile: ca.caCertificate), backoff: backoff, metrics: metrics, logger: logger)
        trusted.jobFinished(sidecar, sidecarPath: sidecarPath)
        let requests = try await receiver.waitFor(1, timeout: 20)
        let request = requests[0]
        XCTAssertEqual(request.body, body)
        XCTAssertEqual(request.path, "/h")
        let timestamp = try XCTUnwrap(request.headers["x-faxdrop-timestamp"].flatMap { Int64($0) })
        XCTAssertLessThan(abs(Date().timeIntervalSince1970 - Double(timestamp)), 120)
        XCTAssertEqual(
            request.headers["x-faxdrop-signature"],
            WebhookNotifier.signature(timestamp: timestamp, body: Array(body), secret: secret))
        await trusted.stop()

        let untrusted = WebhookNotifier(
            target: HTTPPost.Target("https://127.0.0.1:\(receiver.port)/h")!, secret: secret,
            backoff: backoff, metrics: metrics, logger: logger)
        untrusted.jobFinished(sidecar, sidecarPath: sidecarPath)
        let text = try await metrics.exposition(containing: "result=\"abandoned\"} 1", timeout: 20)
        await untrusted.stop()
        XCTAssertTrue(text.contains("faxdrop_webhook_deliveries_total{result=\"delivered\"} 1"), text)
        XCTAssertTrue(text.contains("faxdrop_webhook_deliveries_total{result=\"abandoned\"} 1"), text)
        XCTAssertEqual(receiver.requests.count, 1, "nothing reaches a server whose certificate is not trusted")
        let log = try String(contentsOfFile: logPath, encoding: .utf8)
        XCTAssertTrue(log.contains("webhook not delivered; giving up"), log)
        XCTAssertTrue(log.lowercased().contains("certificate"), log)
        XCTAssertFalse(log.contains(secret.value))
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
            backoff: .init(first: .milliseconds(10), max: .milliseconds(20), attempts: 3), metrics: metrics,
            logger: quietLogger())
        let sidecar = Fixtures.sidecar(destination: "+15551234567")
        webhook.jobFinished(sidecar, sidecarPath: sidecarPath)
        let requests = try await receiver.waitFor(1, timeout: 10)
        XCTAssertNil(requests[0].headers["x-faxdrop-signature"], "no secret, no signature")

        // Nobody listens on port 9 of loopback: retried, then given up.
        let unreachable = WebhookNotifier(
            target: HTTPPost.Target("http://127.0.0.1:9/h")!, secret: Secret("k"),
            backoff: .init(first: .milliseconds(10), max: .milliseconds(20), attempts: 3), metrics: metrics,
            logger: quietLogger())
        unreachable.jobFinished(sidecar, sidecarPath: sidecarPath)
        let text = try await metrics.exposition(containing: "result=\"abandoned\"} 2", timeout: 20)
        XCTAssertTrue(text.contains("faxdrop_webhook_deliveries_total{result=\"abandoned\"} 2"), text)
        XCTAssertTrue(text.contains("faxdrop_webhook_deliveries_total{result=\"retried\"} 2"), text)
        XCTAssertEqual(receiver.requests.count, 1, "a 400 is not retried")
        await webhook.stop()
        await unreachable.stop()
    }

    /// `stop` waits for a delivery in flight and returns once it has ended, long before the
    /// grace is over; a delivery that outlasts the grace is dropped when the grace is over,
    /// not waited for until its transfer times out.
    func testStopWaitsForADeliveryInFlightButNotPastTheGrace() async throws {
        let spool = try HTTPTestSpool()
        let sidecarPath = spool.base + "/s.json"
        try Data("{\"job_id\":\"x\"}".utf8).write(to: URL(fileURLWithPath: sidecarPath))
        let sidecar = Fixtures.sidecar(destination: "+15551234567")
        let metrics = Metrics()
        @Sendable func delivered() -> Bool {
            metrics.exposition(.init(jobs: [], callsInProgress: 0, dropZoneFiles: 0, amiConnected: nil))
                .contains("faxdrop_webhook_deliveries_total{result=\"delivered\"} 1")
        }
        let clock = ContinuousClock()

        // Answered only when the test releases it, while `stop` waits (grace 60 s).
        let release = spool.base + "/release"
        let held = try WebhookReceiver(statuses: [200], folder: spool.base, holdUntil: release)
        let webhook = WebhookNotifier(
            target: HTTPPost.Target("http://127.0.0.1:\(held.port)/h")!, secret: nil, stopGrace: .seconds(60),
            metrics: metrics, logger: quietLogger())
        webhook.jobFinished(sidecar, sidecarPath: sidecarPath)
        _ = try await held.waitFor(1, timeout: 20)
        let started = clock.now
        let stopping = Task { @Sendable in
            await webhook.stop()
            return delivered()
        }
        // A stop that does not wait would return in this time, before the answer is released;
        // one that waits passes whatever this delay is.
        try await Task.sleep(for: .milliseconds(300))
        XCTAssertFalse(delivered())
        XCTAssertTrue(FileManager.default.createFile(atPath: release, contents: nil))
        let deliveredWhenStopped = await stopping.value
        XCTAssertTrue(deliveredWhenStopped, "stop returned before the delivery in flight ended")
        XCTAssertLessThan(clock.now - started, .seconds(30), "stop waited on after the last delivery ended")

        // Never answered: stop returns when its 1 s grace is over, not when the 60 s transfer timeout is.
        let stuck = try WebhookReceiver(statuses: [200], folder: spool.base, holdUntil: spool.base + "/never")
        var client = HTTPPost()
        client.timeout = .seconds(60)
        let late = WebhookNotifier(
            target: HTTPPost.Target("http://127.0.0.1:\(stuck.port)/h")!, secret: nil, client: client,
            stopGrace: .seconds(1), metrics: metrics, logger: quietLogger())
        late.jobFinished(sidecar, sidecarPath: sidecarPath)
        _ = try await stuck.waitFor(1, timeout: 20)
        let stopStarted = clock.now
        await late.stop()
        let took = clock.now - stopStarted
        XCTAssertGreaterThanOrEqual(took, .seconds(1), "stop returned before the grace with a delivery in flight")
        XCTAssertLessThan(took, .seconds(30), "stop waited past the grace for a delivery that does not end")
    }
}
