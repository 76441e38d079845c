import AsteriskSimulator
import FaxDropAMI
import FaxDropAsterisk
import FaxDropCore
import FaxDropDaemon
import FaxDropRenderClient
import Foundation
import Logging
import XCTest

/// `LoopbackEndToEndTests` again with `FAX_BACKEND=sip`: real inotify, the real
/// `faxdrop-render` workers, the scheduler, and `SIPBackend` over TCP to the simulated
/// Asterisk, which checks each TIFF as spandsp would; sidecars validated against the schema.
final class SIPEndToEndTests: XCTestCase {
    struct PoolRenderer: DocumentRenderer {
        let pool: RenderPool
        func render(_ request: RenderRequest, logger: Logger) async -> RenderReply {
            await pool.render(request, logger: logger)
        }
    }

    static let secret = "e2e-ami-secret"

    /// Starts the simulator on a free loopback port, a connected `SIPBackend`, and the daemon.
    private func startSIP(
        _ spool: TestSpool, _ settings: [String: String] = [:], timeScale: Double = 0.005,
        withoutModules: [String] = []
    ) async throws -> AsteriskSimulator {
        var options = AsteriskSimulator.Options()
        options.loadedModules.subtract(withoutModules)
        options.username = "faxdrop"
        options.secret = Self.secret
        options.timeScale = timeScale
        let simulator = AsteriskSimulator(options: options, logger: testLogger())
        let port = try await simulator.start()
        var settings = settings
        settings.merge([
            "FAX_BACKEND": "sip", "ASTERISK_AMI_HOST": "127.0.0.1", "ASTERISK_AMI_PORT": "\(port)",
            "ASTERISK_AMI_USERNAME": "faxdrop", "ASTERISK_AMI_PASSWORD": Self.secret,
        ]) { old, _ in old }
        let configuration = try spool.configuration(settings)
        var backendOptions = SIPBackend.Options()
        backendOptions.storedResultRetention = .milliseconds(50)
        let backend = SIPBackend(configuration: configuration, logger: testLogger(), options: backendOptions)
        await backend.start()
        let connected = await backend.waitUntilConnected(timeout: .seconds(10))
        XCTAssertTrue(connected, "no AMI connection to the simulator")
        let pool = RenderPool(
            executable: RenderPool.defaultExecutable(), workers: 2, timeout: .seconds(60), logger: testLogger())
        addTeardownBlock {
            await backend.shutdown()
            await pool.shutdown()
            await simulator.stop()
        }
        _ = try await startDaemon(spool, settings, renderer: PoolRenderer(pool: pool), backend: backend)
        return simulator
    }

    func testTwoPagePDFIsSentWithOneSidecar() async throws {
        let spool = try TestSpool()
        let simulator = try await startSIP(spool, ["FAX_HEADER": "FaxDrop, end to end"])
        let sidecar = try await spool.sendTwoPageForms()
        let details = try XCTUnwrap(sidecar.attempts.first?.details)
        XCTAssertEqual(details.faxStatus, "SUCCESS")
        XCTAssertEqual(details.faxError, "HANGUP")
        XCTAssertEqual(details.mode, "T38")
        XCTAssertEqual(details.bitRate, 14400)
        XCTAssertEqual(details.dialStatus, "ANSWER")
        XCTAssertEqual(details.channelUniqueID, "fax-\(sidecar.jobID.value)-1")
        // What Asterisk was asked: the rendered TIFF, and the header intact despite its comma.
        let originates = await simulator.originates
        let originate = try XCTUnwrap(originates.first)
        XCTAssertEqual(originate.message["Channel"], "Local/+15551234567@faxout")
        XCTAssertTrue(originate.variables["FAXFILE"]?.hasSuffix("/\(sidecar.jobID.value)/fax.tif") == true)
        XCTAssertEqual(PercentEncoding.decode(originate.variables["FAXDROP_HEADER"] ?? ""), "FaxDrop, end to end")
        try await spool.assertActiveEmpties()
        try TestSpool.assertValid(spool.sidecars().done)
        // The journal held the result, so Asterisk's AstDB copy was deleted (issue 9, item 9).
        let key = "FaxDrop/\(sidecar.jobID.value)-1"
        let deadline = ContinuousClock.now + .seconds(10)
        var keys = await simulator.databaseKeys
        while keys.contains(key) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            keys = await simulator.databaseKeys
        }
        XCTAssertFalse(keys.contains(key), "\(keys)")
    }

    /// Issue 15: an Asterisk whose chan_pjsip did not load fails the job at once, on its
    /// first attempt, with a code and message naming the driver: no retries until the kill time.
    func testMissingChannelDriverFailsTheJobAtOnce() async throws {
        let spool = try TestSpool()
        _ = try await startSIP(
            spool, ["FAXDROP_MAX_ATTEMPTS": "5", "FAXDROP_RETRY_CONGESTION": "0.2", "FAXDROP_RETRY_BUSY": "0.2"],
            withoutModules: ["chan_pjsip"])
        try spool.copy(TestSpool.corpus + "/pdf/27-scan-ccitt-forms-only.pdf", to: "+15551234567/forms.pdf")
        let sidecars = try await spool.waitForSidecars(1, timeout: 30)
        let sidecar = try XCTUnwrap(sidecars.first)
        XCTAssertEqual(sidecar.status, .failed)
        XCTAssertEqual(sidecar.error?.code, .channelDriverMissing)
        XCTAssertTrue(sidecar.error?.message.contains("chan_pjsip") == true, sidecar.error?.message ?? "")
        XCTAssertEqual(sidecar.attempts.map(\.outcome), ["channel_driver_missing"])
        XCTAssertEqual(sidecar.attempts.first?.details.hangupCause, 66)
        try TestSpool.assertValid(spool.sidecars().failed)
    }

    /// Each test number ends with the outcome and code the README documents, as on loopback.
    func testEachTestNumberEndsAsDocumented() async throws {
        let spool = try TestSpool()
        _ = try await startSIP(spool, testNumberSettings.merging(["FAXDROP_DIAL_TIMEOUT": "20"]) { $1 })
        try await assertTestNumbersEndAsDocumented(spool, timeout: 90)
    }

    /// `faxdrop cancel` hangs up a live call over AMI.
    func testCancelHangsUpTheLiveCall() async throws {
        let spool = try TestSpool()
        let simulator = try await startSIP(spool, timeScale: 0.2)  // 4 s a page
        try spool.copy(TestSpool.corpus + "/pdf/23-onepage-letter.pdf", to: "+15551234567/long-call.pdf")
        let journal = JournalStore(spool: spool.spool)
        var live: JobRecord?
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let answered = await simulator.answeredCalls
            live = try journal.scan().compactMap(\.record).first { $0.state == .sending || $0.state == .dialing }
            if live != nil && !answered.isEmpty { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let job = try XCTUnwrap(live, "the call never started")
        try ControlRequest.cancel(job.jobID).post(to: spool.spool)
        let sidecars = try await spool.waitForSidecars(1, timeout: 15)
        let sidecar = try XCTUnwrap(sidecars.first)
        XCTAssertEqual(sidecar.error?.code, .cancelled)
        XCTAssertEqual(sidecar.attempts.count, 1)
        let hangups = await simulator.hangupRequests
        XCTAssertEqual(hangups.count, 1)
        XCTAssertTrue(hangups.first?.hasPrefix("Local/+15551234567@faxout-") == true, "\(hangups)")
        let active = await simulator.activeCalls
        XCTAssertEqual(active, [])
        try TestSpool.assertValid(spool.sidecars().failed)
    }
}
