import FaxDropCore
import FaxDropDaemon
import FaxDropHTTP
import FaxDropNotify
import FaxDropSystem
import Foundation
import XCTest

final class ResultHookTests: XCTestCase {
    private func sidecar(_ destination: String) -> Sidecar { Fixtures.sidecar(destination: destination) }

    private func waitForFile(_ path: String) async throws -> String {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: path, encoding: .utf8), text.hasSuffix("\n") { return text }
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTFail("the hook did not write \(path)")
        return ""
    }

    /// Shell syntax in the sidecar path or the destination is data, never code.
    func testNoShellInjectionThroughPathOrDestination() async throws {
        let spool = try HTTPTestSpool()
        let out = spool.base + "/out"
        let pwned = spool.base + "/pwned"
        let hook = ResultHook(
            command: "printf '%s|%s\\n' \"$FAXDROP_DESTINATION\" >> '\(out)'", environment: ["PATH": "/usr/bin:/bin"],
            logger: quietLogger())
        let evilPath = spool.base + "/a b; touch \(pwned); $(touch \(pwned))`touch \(pwned)`.json"
        let evilDestination = "+1555'; touch \(pwned); echo '"
        hook.jobFinished(sidecar(evilDestination), sidecarPath: evilPath)
        let line = try await waitForFile(out)
        XCTAssertEqual(line, evilDestination + "|" + evilPath + "\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: pwned))
        await hook.stop()
    }

    func testSlowHookIsStoppedAfterItsTimeout() async throws {
        let spool = try HTTPTestSpool()
        let metrics = Metrics()
        let hook = ResultHook(
            command: "sleep 30; true", timeout: .milliseconds(300), environment: ["PATH": "/usr/bin:/bin"],
            metrics: metrics,
            logger: quietLogger())
        let started = Date()
        hook.jobFinished(sidecar("+15551234567"), sidecarPath: spool.base + "/x.json")
        await hook.stop()  // waits for the running hook
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "SIGTERM reached the hook's process group")
        let text = metrics.exposition(.init(jobs: [], callsInProgress: 0, dropZoneFiles: 0, amiConnected: nil))
        XCTAssertTrue(text.contains("faxdrop_result_hooks_total{result=\"timeout\"} 1"), text)
    }
}
