import AsteriskSimulator
import FaxDropAMI
import FaxDropAsterisk
import FaxDropCore
import Foundation
import XCTest

/// The real client against the simulator over TCP on loopback.
final class SIPBackendTests: XCTestCase {
    func testSuccessSendsEveryPageAndTheOriginateFollowsTheContract() async throws {
        let h = try await Harness.make { $0.dialTimeout = .seconds(40) }
        try await h.startConnected()
        let call = try h.call("+15551230001", pages: 2, attempt: 2)
        let result = await h.backend.send(call)
        XCTAssertEqual(result.status, .sent)
        // Attempt 2: the simulator also raised a stale attempt-1 result (Pages 99) for this job.
        XCTAssertEqual(result.pagesSent, 2)
        XCTAssertEqual(result.details.faxStatus, "SUCCESS")
        XCTAssertEqual(result.details.faxError, "HANGUP")
        XCTAssertEqual(result.details.mode, "T38")
        XCTAssertEqual(result.details.bitRate, 14400)
        XCTAssertEqual(result.details.dialStatus, "ANSWER")
        XCTAssertEqual(result.details.endedIn, "fax")
        XCTAssertEqual(result.details.hangupCause, 16)
        XCTAssertEqual(result.details.remoteStationID, "+1 555 010 0199")
        XCTAssertEqual(result.details.channelUniqueID, "fax-\(call.callID)")

        let originates = await h.simulator.originates
        XCTAssertEqual(originates.count, 1)
        let o = try XCTUnwrap(originates.first)
        XCTAssertEqual(o.message["Async"], "true")
        XCTAssertEqual(o.message.actionID, "fax-\(call.jobID.value)-2")
        XCTAssertEqual(o.message["ChannelId"], "fax-\(call.jobID.value)-2")
        XCTAssertEqual(o.message["Channel"], "Local/+15551230001@faxout")
        XCTAssertEqual(o.message["Context"], "faxsend")
        XCTAssertEqual(o.message["Exten"], "s")
        XCTAssertEqual(o.message["Timeout"], "40000")
        XCTAssertEqual(o.message["CallerID"], "+15550100000")
        // One Variable header per value, none carrying a comma; free text survives encoded.
        let variables = o.message.values("Variable")
        XCTAssertEqual(variables.count, o.variables.count)
        XCTAssertTrue(variables.allSatisfy { !$0.contains(",") }, "\(variables)")
        XCTAssertEqual(o.variables["FAXDROP_CALL"], call.callID)
        XCTAssertEqual(o.variables["FAXDROP_JOB"], call.jobID.value)
        XCTAssertEqual(o.variables["FAXDROP_ATTEMPT"], "2")
        XCTAssertEqual(o.variables["FAXFILE"], call.tiffPath)
        XCTAssertEqual(PercentEncoding.decode(o.variables["FAXDROP_HEADER"] ?? ""), h.configuration.header)
        XCTAssertEqual(PercentEncoding.decode(o.variables["FAXDROP_STATION"] ?? ""), "+1 555 010 0000")
        await h.tearDown()
    }

    func testFaxFileIsMappedIntoTheAsteriskSpool() async throws {
        // The simulator maps back as Asterisk's mount would: /var/spool/faxdrop/... → <spool>/...
        let directory = NSTemporaryDirectory() + "faxdrop-ami-\(UUID().uuidString)"
        var options = Harness.simulatorOptions()
        options.spoolMapping = .init(asterisk: "/var/spool/faxdrop", local: directory + "/spool")
        let h2 = try await Harness.make(simulator: options, directory: directory) {
            $0.asteriskSpool = "/var/spool/faxdrop/"
        }
        try await h2.startConnected()
        let call = try h2.call("+15551230002", pages: 1)
        let result = await h2.backend.send(call)
        XCTAssertEqual(result.status, .sent)
        let file = await h2.simulator.originates.first?.variables["FAXFILE"]
        XCTAssertEqual(file, "/var/spool/faxdrop/active/\(call.jobID.value)/fax.tif")
        await h2.tearDown()
    }

    /// Dial failures, all at once on one connection: every call gets its own outcome
    /// although every call's events reach the session.
    func testDialFailuresConcurrently() async throws {
        let h = try await Harness.make { $0.dialTimeout = .seconds(30) }
        try await h.startConnected()
        let cases: [(String, ErrorCode, Int)] = [
            ("+15550100486", .busy, 17), ("+15550100480", .noAnswer, 19), ("+15550100503", .congestion, 34),
            ("+15550100404", .unallocatedNumber, 1), ("+15550100403", .rejected, 21),
            ("+15550100502", .channelUnavailable, 27),
        ]
        let calls = try cases.map { try h.call($0.0, pages: 1) }
        let results = await withTaskGroup(of: (String, CallResult).self) { group in
            for call in calls { group.addTask { (call.destination.value, await h.backend.send(call)) } }
            var out: [String: CallResult] = [:]
            for await (number, result) in group { out[number] = result }
            return out
        }
        for (number, code, cause) in cases {
            let result = try XCTUnwrap(results[number], number)
            XCTAssertEqual(result.status, .failed(code), "\(number): \(result.message)")
            XCTAssertEqual(result.pagesSent, 0)
            XCTAssertEqual(result.details.hangupCause, cause, number)
            XCTAssertEqual(result.details.endedIn, "dial", number)
            XCTAssertEqual(
                result.details.channelUniqueID, "fax-\(calls.first { $0.destination.value == number }!.callID)")
        }
        await h.tearDown()
    }

    func testDropMidFaxKeepsThePagesSent() async throws {
        let h = try await Harness.connected()
        let result = await h.backend.send(try h.call("+15550100488", pages: 3))
        XCTAssertEqual(result.status, .failed(.faxTransferFailed))
        XCTAssertEqual(result.pagesSent, 1)
        XCTAssertEqual(result.details.statusString, "The call dropped prematurely")
        XCTAssertEqual(result.details.faxStatus, "FAILED")
        // As the loopback backend: a one-page fax goes through.
        let single = await h.backend.send(try h.call("+15550100488", pages: 1))
        XCTAssertEqual(single.status, .sent)
        XCTAssertEqual(single.pagesSent, 1)
        await h.tearDown()
    }

    func testNegotiationFailure() async throws {
        let h = try await Harness.connected()
        let result = await h.backend.send(try h.call("+15550100606", pages: 1))
        XCTAssertEqual(result.status, .failed(.faxNegotiationFailed))
        XCTAssertEqual(result.details.faxError, "T38_NEG_ERROR")
        await h.tearDown()
    }

    func testBadImagesFailWithSpandspTexts() async throws {
        let h = try await Harness.connected()
        let text = h.directory + "/not-a-tiff.tif"
        try Data("This is a text file named .tif\n".utf8).write(to: URL(fileURLWithPath: text))
        let wide = h.directory + "/wide.tif"
        try TestTIFF.write(wide, pages: 1, width: 2000)
        let grey = h.directory + "/grey.tif"
        try TestTIFF.write(grey, pages: 1, bitsPerSample: 8)
        let cases: [(String, ErrorCode, String)] = [
            (text, .internalError, "TIFF/F file cannot be opened"),
            (grey, .internalError, "TIFF/F file cannot be opened"),
            (wide, .faxNegotiationFailed, "Far end cannot receive at the size of image"),
            (h.directory + "/missing.tif", .internalError, "error reading file"),
        ]
        for (file, code, text) in cases {
            let result = await h.backend.send(try h.call("+15551230003", pages: 1, file: file))
            XCTAssertEqual(result.status, .failed(code), file)
            XCTAssertEqual(result.details.statusString, text, file)
            XCTAssertEqual(result.pagesSent, 0)
        }
        await h.tearDown()
    }

    func testWrongPasswordIsAClearErrorWithoutReconnectStorm() async throws {
        let h = try await Harness.make(password: "wrong-password-123")
        await h.backend.start()
        await eventually("login refused") {
            if case .authenticationFailed = await h.backend.connectionState { return true } else { return false }
        }
        let state = await h.backend.connectionState
        XCTAssertEqual(state, .authenticationFailed("AMI login as 'faxdrop' refused: Authentication failed"))
        // Jobs wait: no attempt consumed, answered at once.
        let started = ContinuousClock.now
        let result = await h.backend.send(try h.call("+15551230004"))
        XCTAssertEqual(result.status, .unavailable)
        XCTAssertLessThan(ContinuousClock.now - started, .milliseconds(500))
        XCTAssertTrue(result.message.contains("Authentication failed"), result.message)
        // With a 50 ms reconnect delay a storm would show many logins; wait for 20 ticks' worth.
        try await Task.sleep(for: .milliseconds(500))
        let logins = await h.simulator.loginAttempts
        XCTAssertEqual(logins, 1)
        XCTAssertFalse(h.logs.all.joined().contains("wrong-password-123"))
        XCTAssertTrue(h.logs.all.contains { $0.contains("refused") })
        await h.tearDown()
    }

    func testProbeForFaxdropCheck() async throws {
        let h = try await Harness.make()
        let ok = await SIPBackend.probe(configuration: h.configuration, logger: h.logs.logger)
        XCTAssertEqual(ok, .connected)
        var wrong = h.configuration
        wrong.amiPassword = Secret("nope-not-it")
        let refused = await SIPBackend.probe(configuration: wrong, logger: h.logs.logger)
        XCTAssertEqual(refused, .authenticationFailed("AMI login as 'faxdrop' refused: Authentication failed"))
        await h.simulator.stop()
        let down = await SIPBackend.probe(configuration: h.configuration, logger: h.logs.logger, timeout: .seconds(1))
        guard case .disconnected = down else { return XCTFail("\(down)") }
        XCTAssertFalse(h.logs.all.joined().contains("nope-not-it"))
        await h.tearDown()
    }

    func testUnreachableAsteriskMakesJobsWaitThenConnects() async throws {
        let h = try await Harness.make(startSimulator: false)
        await h.backend.start()
        let started = ContinuousClock.now
        let result = await h.backend.send(try h.call("+15551230005"))
        XCTAssertEqual(result.status, .unavailable)
        XCTAssertLessThan(ContinuousClock.now - started, .milliseconds(500))
        let connected = await h.backend.isConnected
        XCTAssertFalse(connected)
        // Asterisk comes up on that port: the backoff loop finds it.
        try await h.simulator.start(port: h.port)
        let up = await h.backend.waitUntilConnected(timeout: .seconds(10))
        XCTAssertTrue(up)
        let again = await h.backend.send(try h.call("+15551230005", pages: 1))
        XCTAssertEqual(again.status, .sent)
        await h.tearDown()
    }

    /// Asterisk dies mid-call (the call vanishes with it): after the reconnect the call is
    /// looked up (AstDB, then Status), found nowhere, and recorded as interrupted.
    func testAsteriskRestartMidCallIsInterrupted() async throws {
        let (h, _, task) = try await Harness.answeredCall("+15551230006", pages: 3)
        await h.simulator.stop()
        try await h.simulator.start(port: h.port)
        let result = await task.value
        XCTAssertEqual(result.status, .failed(.interrupted))
        XCTAssertTrue(result.message.contains("not connected"), result.message)
        await h.tearDown()
    }

    /// The AMI link drops mid-call but the call goes on and ends while FaxDrop is away: its
    /// result is recovered from AstDB after the reconnect.
    func testResultRaisedWhileDisconnectedIsReconciled() async throws {
        let (h, call, task) = try await Harness.answeredCall("+15551230007", pages: 2)
        await h.simulator.pauseManager()
        await eventually("call ended") { await h.simulator.activeCalls.isEmpty }
        let stored = await h.simulator.storedResult(call.callID)
        XCTAssertNotNil(stored)
        try await h.simulator.resumeManager()
        let result = await task.value
        XCTAssertEqual(result.status, .sent)
        XCTAssertEqual(result.pagesSent, 2)
        await h.tearDown()
    }

    /// A short AMI drop while the call is still up: Status finds it and the result comes as usual.
    func testConnectionDropWhileCallIsLive() async throws {
        let (h, _, task) = try await Harness.answeredCall("+15551230008", pages: 3)
        await h.simulator.dropConnections()
        let result = await task.value
        XCTAssertEqual(result.status, .sent)
        XCTAssertEqual(result.pagesSent, 3)
        let attempts = await h.backend.connectionAttempts
        XCTAssertGreaterThanOrEqual(attempts, 2)
        await h.tearDown()
    }

    func testDeadlineHangsUpAndRecordsTimeout() async throws {
        var options = Harness.backendOptions()
        options.budget.perCall = .milliseconds(300)
        options.budget.perPage = .zero
        options.budget.bytesPerSecond = 1e9
        let h = try await Harness.make(backend: options) { $0.dialTimeout = .milliseconds(200) }
        try await h.startConnected()
        let call = try h.call("+15550100408", pages: 1)
        XCTAssertEqual(h.backend.deadline(for: call), .milliseconds(500))
        let result = await h.backend.send(call)
        XCTAssertEqual(result.status, .failed(.timeout))
        await eventually("Hangup action reached Asterisk") { await h.simulator.hangupRequests.count == 1 }
        await eventually("channel gone") { await h.simulator.activeCalls.isEmpty }
        await h.tearDown()
    }

    func testCancellingTheTaskHangsUp() async throws {
        let (h, _, task) = try await Harness.answeredCall("+15550100408", pages: 1)
        task.cancel()
        let result = await task.value
        XCTAssertEqual(result.status, .failed(.cancelled))
        await eventually("channel hung up") { await h.simulator.activeCalls.isEmpty }
        let hangups = await h.simulator.hangupRequests
        XCTAssertEqual(hangups.count, 1)
        await h.tearDown()
    }

    /// After a daemon restart: a journaled call is reconciled from AstDB, or, when Asterisk
    /// knows nothing of it, recorded as interrupted.
    func testReconcileAfterRestart() async throws {
        let h = try await Harness.connected()
        let finished = try h.call("+15551230009", pages: 2)
        let sent = await h.backend.send(finished)
        XCTAssertEqual(sent.status, .sent)
        await h.backend.shutdown()

        let fresh = SIPBackend(configuration: h.configuration, logger: h.logs.logger, options: Harness.backendOptions())
        await fresh.start()
        let known = await fresh.reconcile(finished, startedAt: Date().addingTimeInterval(-5))
        XCTAssertEqual(known?.status, .sent)
        XCTAssertEqual(known?.pagesSent, 2)
        let unknown = await fresh.reconcile(try h.call("+15551230010"), startedAt: Date())
        XCTAssertEqual(unknown?.status, .failed(.interrupted))
        await fresh.shutdown()
        await h.tearDown()
    }

    /// The daemon stops mid-call: the call is not hung up, and the next daemon's reconcile
    /// finds it still running (Status) and waits for its FaxResult.
    func testShutdownLeavesTheCallRunningForTheNextStart() async throws {
        let (h, call, task) = try await Harness.answeredCall("+15551230011", pages: 3)
        await h.backend.shutdown()
        let stopped = await task.value
        XCTAssertEqual(stopped.status, .failed(.cancelled))
        let stillRunning = await h.simulator.activeCalls
        XCTAssertEqual(stillRunning, [call.callID])
        let hangups = await h.simulator.hangupRequests
        XCTAssertEqual(hangups, [])

        let next = SIPBackend(configuration: h.configuration, logger: h.logs.logger, options: Harness.backendOptions())
        await next.start()
        let result = await next.reconcile(call, startedAt: Date())
        XCTAssertEqual(result?.status, .sent)
        XCTAssertEqual(result?.pagesSent, 3)
        await next.shutdown()
        await h.tearDown()
    }

    func testSecretNeverLogged() async throws {
        let h = try await Harness.connected()
        _ = await h.backend.send(try h.call("+15550100486", pages: 1))
        await h.simulator.dropConnections()
        _ = await h.backend.waitUntilConnected(timeout: .seconds(5))
        let logs = h.logs.all
        XCTAssertFalse(logs.isEmpty)
        XCTAssertFalse(logs.joined(separator: "\n").contains(Harness.secret))
        XCTAssertTrue(logs.contains { $0.contains("AMI >>") && $0.contains("Secret: <redacted>") })
        XCTAssertTrue(logs.contains { $0.contains("job=") && $0.contains("busy") })
        await h.tearDown()
    }
}

extension Harness {
    /// A harness whose backend has connected to the simulator.
    fileprivate static func connected() async throws -> Harness {
        let h = try await make()
        try await h.startConnected()
        return h
    }

    /// A connected backend sending a fax of `pages` pages to `number`, once the simulator has
    /// answered the call: the harness, the call, and the task that ends with the call's result.
    fileprivate static func answeredCall(_ number: String, pages: Int) async throws -> (
        Harness, CallRequest, Task<CallResult, Never>
    ) {
        let h = try await connected()
        let call = try h.call(number, pages: pages)
        let task = Task { await h.backend.send(call) }
        await eventually("call answered") { await h.simulator.answeredCalls == [call.callID] }
        return (h, call, task)
    }
}
