import FaxDropCore
import FaxDropDaemon
import FaxDropHTTP
import FaxDropSystem
import Foundation
import Logging
import XCTest

/// Logs: JSON lines that parse, no secret ever printed, and every line about a job carries its id.
final class LogTests: XCTestCase {
    private func jsonLogger(_ path: String, secrets: [String], level: Logger.Level = .info) throws -> (Logger, Int32) {
        let fd = try Syscall.open(path, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600)
        let handler = FaxDropLogHandler(
            label: "faxdrop", format: .json, level: level, secrets: secrets, sink: .init(fd: fd))
        return (Logger(label: "faxdrop") { _ in handler }, fd)
    }

    private func lines(_ path: String) throws -> [[String: String]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            return try XCTUnwrap(object as? [String: String], "not a flat JSON object: \(line)")
        }
    }

    func testJSONLinesParseAndSecretsAreScrubbed() throws {
        let spool = try HTTPTestSpool()
        let path = spool.base + "/log.jsonl"
        let configuration = try Configuration(values: [
            "API_KEY": "api-key-123", "ASTERISK_AMI_PASSWORD": "ami-pass-456", "FAXDROP_WEBHOOK_SECRET": "hook-789",
            "FAXDROP_LOG_FORMAT": "json",
        ])
        XCTAssertEqual(configuration.logFormat, .json)
        let (logger, fd) = try jsonLogger(path, secrets: configuration.secretValues)
        defer { Syscall.close(fd) }
        logger.info(
            "login with ami-pass-456 \"quoted\"\nsecond line",
            metadata: ["key": "api-key-123", "job": "01KB2Y9M4Q3V8J6T0ZP1C5R7WX"])
        logger.warning("signed with hook-789", metadata: ["nested": ["a": "hook-789"]])
        logger.error("configuration \(configuration.apiKey!)")  // Secret prints <redacted>
        let parsed = try lines(path)
        XCTAssertEqual(parsed.count, 3)
        XCTAssertEqual(parsed[0]["level"], "info")
        XCTAssertEqual(parsed[0]["job"], "01KB2Y9M4Q3V8J6T0ZP1C5R7WX")
        XCTAssertEqual(parsed[0]["msg"], "login with <redacted> \"quoted\"\nsecond line")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for secret in ["api-key-123", "ami-pass-456", "hook-789"] { XCTAssertFalse(text.contains(secret), secret) }
        for line in parsed { XCTAssertNotNil(line["ts"].flatMap(Timestamp.parse)) }
    }

    /// A job through the whole gateway: every line that names the job carries `job`, and the
    /// lines about its steps all do.
    func testEveryJobLineCarriesTheJobID() async throws {
        let spool = try HTTPTestSpool()
        let path = spool.base + "/log.jsonl"
        let secrets = ["api-key-123", "hook-secret-789"]
        let (logger, fd) = try jsonLogger(path, secrets: secrets)
        defer { Syscall.close(fd) }
        let receiver = try WebhookReceiver(statuses: [200], folder: spool.base)
        let gateway = try await RunningGateway.start(
            spool,
            settings: RunningGateway.notifying(
                apiKey: "api-key-123", onResult: "true", webhook: receiver, path: "/h", secret: "hook-secret-789"),
            environment: ["PATH": "/usr/bin:/bin"], logger: logger)
        let posted = try curl([
            "-X", "POST", gateway.base + "/fax", "-H", "X-API-Key: api-key-123", "-F", "to=+15551234567",
            "-F", "file=@\(Fixtures.onePageLetter)",
        ])
        let id = try XCTUnwrap((posted.json?["id"] as? String).flatMap(JobID.init))
        _ = try await spool.waitForSidecar(id, timeout: 60)
        _ = try await receiver.waitFor(1, timeout: 20)
        // The hook's and the webhook's own lines come once they have ended.
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            if text.contains("FAXDROP_ON_RESULT ran") && text.contains("webhook delivered") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        await gateway.stop()

        let parsed = try lines(path)
        let about = parsed.filter { line in
            line.contains { $0.key != "job" && $0.value.contains(id.value) } || line["job"] != nil
        }
        for line in about { XCTAssertEqual(line["job"], id.value, "\(line)") }
        let messages = Set(about.compactMap { $0["msg"] })
        for expected in [
            "queued over HTTP", "submitted", "rendering", "rendered", "calling", "sent", "finished",
            "webhook delivered", "FAXDROP_ON_RESULT ran",
        ] {
            XCTAssertTrue(
                messages.contains(expected), "no '\(expected)' line with the job id; lines: \(messages.sorted())")
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for secret in secrets { XCTAssertFalse(text.contains(secret)) }
    }
}
