import FaxDropCore
import FaxDropDaemon
import FaxDropHTTP
import FaxDropSystem
import Foundation
import XCTest

/// The whole gateway: daemon, loopback line, HTTP API, metrics, result hook and webhook.
/// The renderer is the real pool of `faxdrop-render` workers.
final class GatewayTests: XCTestCase {
    /// The "done when": the seed's curl example returns an id whose `GET /fax/{id}`
    /// ends `sent`; the hook and the signed webhook see the sidecar; `/metrics` parses.
    func testSeedCurlExampleEndsSentWithHookWebhookAndMetrics() async throws {
        let spool = try HTTPTestSpool()
        let receiver = try WebhookReceiver(statuses: [503, 200], folder: spool.base)
        let hookOutput = spool.base + "/hook.out"
        let gateway = try await RunningGateway.start(
            spool,
            settings: RunningGateway.notifying(
                apiKey: "k", onResult: "printf '%s\\n' >> '\(hookOutput)'", webhook: receiver,
                path: "/fax-result?site=1",
                secret: "webhook-secret-1"))
        let pdf = Fixtures.onePageLetter
        // Exactly the seed's command line, `localhost` included (curl tries ::1, then 127.0.0.1).
        let posted = try curl([
            "-X", "POST", "http://localhost:\(gateway.port)/fax", "-H", "X-API-Key: k", "-F", "to=+15551234567",
            "-F", "file=@\(pdf)",
        ])
        XCTAssertEqual(posted.status, 202, posted.body)
        let id = try XCTUnwrap((posted.json?["id"] as? String).flatMap(JobID.init))

        // Poll as a client would, until the job is final.
        var final: CurlAnswer?
        let deadline = Date().addingTimeInterval(60)
        var seen: [String] = []
        while Date() < deadline {
            let answer = try curl([gateway.base + "/fax/\(id.value)", "-H", "X-API-Key: k"])
            XCTAssertEqual(answer.status, 200)
            let status = answer.json?["status"] as? String ?? "?"
            if seen.last != status { seen.append(status) }
            if status == "sent" || status == "failed" {
                final = answer
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let answer = try XCTUnwrap(final, "states seen: \(seen)")
        XCTAssertEqual(answer.json?["status"] as? String, "sent", answer.body)
        XCTAssertEqual(answer.json?["job_id"] as? String, id.value)
        let sidecarPath = gateway.spool.spool.sidecar(id, status: .sent)
        XCTAssertEqual(Array(answer.body.utf8), try AtomicFile.read(sidecarPath), "GET answers the sidecar itself")
        let sidecar = try XCTUnwrap(StatusReport.sidecar(id, spool: gateway.spool.spool))
        XCTAssertEqual(sidecar.document.sha256, try Fixtures.sha256(ofFile: pdf))
        XCTAssertEqual(sidecar.document.originalName, "23-onepage-letter.pdf")
        XCTAssertEqual(sidecar.pages.sent, 1)

        // The webhook: refused once (503), then delivered; signed over the timestamp and the exact body.
        let requests = try await receiver.waitFor(2, timeout: 20)
        XCTAssertEqual(requests.count, 2)
        for (n, request) in requests.enumerated() {
            XCTAssertEqual(request.path, "/fax-result?site=1")
            XCTAssertEqual(request.body, Data(try AtomicFile.read(sidecarPath)))
            XCTAssertEqual(request.headers["content-type"], "application/json")
            XCTAssertEqual(request.headers["x-faxdrop-job"], id.value)
            XCTAssertEqual(request.headers["x-faxdrop-attempt"], "\(n + 1)")
            // Signed over "<timestamp>.<body>", the timestamp sent beside it.
            let timestamp = try XCTUnwrap(request.headers["x-faxdrop-timestamp"])
            let expected =
                "sha256="
                + HMACSHA256.hex(
                    key: Array("webhook-secret-1".utf8), message: Array("\(timestamp).".utf8) + Array(request.body))
            XCTAssertEqual(request.headers["x-faxdrop-signature"], expected)
        }

        // The hook got the sidecar's path as its argument.
        let hookDeadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: hookOutput) && Date() < hookDeadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTAssertEqual(try String(contentsOfFile: hookOutput, encoding: .utf8), sidecarPath + "\n")

        // Metrics parse with the reference parser and count what happened.
        // (The hook's and the webhook's counters move once they have ended: poll a little.)
        var samples: [String: Double] = [:]
        let metricsDeadline = Date().addingTimeInterval(15)
        while Date() < metricsDeadline {
            let metricsAnswer = try curl([gateway.base + "/metrics"])
            XCTAssertEqual(metricsAnswer.status, 200)
            samples = try parsePrometheus(metricsAnswer.body)
            if samples["faxdrop_result_hooks_total{result=\"ok\"}"] == 1
                && samples["faxdrop_webhook_deliveries_total{result=\"delivered\"}"] == 1
            {
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTAssertEqual(samples["faxdrop_jobs_finished_total{code=\"\",status=\"sent\"}"], 1)
        XCTAssertEqual(samples["faxdrop_call_attempts_total{outcome=\"sent\"}"], 1)
        XCTAssertEqual(samples["faxdrop_pages_sent_total"], 1)
        XCTAssertEqual(samples["faxdrop_render_seconds_count"], 1)
        XCTAssertEqual(samples["faxdrop_render_seconds_bucket{le=\"+Inf\"}"], 1)
        XCTAssertEqual(samples["faxdrop_calls_in_progress"], 0)
        XCTAssertEqual(samples["faxdrop_jobs{state=\"queued\"}"], 0)
        XCTAssertEqual(samples["faxdrop_webhook_deliveries_total{result=\"retried\"}"], 1)
        XCTAssertEqual(samples["faxdrop_webhook_deliveries_total{result=\"delivered\"}"], 1)
        XCTAssertEqual(samples["faxdrop_result_hooks_total{result=\"ok\"}"], 1)
        XCTAssertNil(samples["faxdrop_ami_connected"], "no AMI on the loopback line")

        let health = try curl([gateway.base + "/healthz"])
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(health.json?["status"] as? String, "ok")
        await gateway.stop()
    }

    /// A failed job is counted by its code, and the hook sees it in its environment.
    func testFailedJobIsCountedByCode() async throws {
        let spool = try HTTPTestSpool()
        let hookOutput = spool.base + "/hook.env"
        let gateway = try await RunningGateway.start(
            spool,
            settings: ["API_KEY": "secret-api-key", "FAXDROP_ON_RESULT": "env > '\(hookOutput)'; true"],
            environment: ["API_KEY": "secret-api-key", "PATH": "/usr/bin:/bin"])
        let folder = spool.spool.outgoing + "/12345"
        try Syscall.mkdir(folder)
        _ = try Fixtures.tinyPDF(in: folder)
        let deadline = Date().addingTimeInterval(20)
        var samples: [String: Double] = [:]
        while Date() < deadline {
            samples = try parsePrometheus(try curl([gateway.base + "/metrics"]).body)
            if samples["faxdrop_result_hooks_total{result=\"ok\"}"] == 1 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTAssertEqual(samples["faxdrop_jobs_finished_total{code=\"invalid_destination\",status=\"failed\"}"], 1)
        let env = try String(contentsOfFile: hookOutput, encoding: .utf8)
        XCTAssertTrue(env.contains("FAXDROP_STATUS=failed\n"), env)
        XCTAssertTrue(env.contains("FAXDROP_ERROR_CODE=invalid_destination\n"), env)
        XCTAssertTrue(env.contains("FAXDROP_DESTINATION=12345\n"), env)
        XCTAssertFalse(env.contains("secret-api-key"), "a hook never inherits a secret")
        await gateway.stop()
    }
}
