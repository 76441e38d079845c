import FaxDropAMI
import FaxDropCore
import XCTest

/// Replays the live captures through the decoder and the session state machine: the
/// machine must reach the same outcome Asterisk reported, from the bytes alone.
final class CaptureReplayTests: XCTestCase {
    struct Replay {
        var machine: AMISessionStateMachine
        var actions: [AMISessionStateMachine.Action] = []
        var results: [String: CallResult] {
            var out: [String: CallResult] = [:]
            for case .complete(let id, let result) in actions { out[id] = result }
            return out
        }
    }

    static let settings = AMISessionStateMachine.Settings(username: "gateway", secret: Secret("test-secret"))

    /// The Originate the capture's client sent, as a tracked call.
    static func captured(_ name: String) -> (OriginateAction, jobID: String) {
        let job: String = [
            "busy": "job-busy", "no_answer": "job-noanswer", "congestion": "job-congestion",
            "success_1page": "job-success-1p", "success_2page": "job-success-2p", "midcall_hangup": "job-midcall",
            "bad_tiff": "job-badtiff", "missing_file": "job-missing", "userevent_action": "job-ue",
            "wrong_password": "job-none",
        ][name]!
        var action = OriginateAction(
            callID: job, channel: "Local/5550000@faxout", context: "faxsend", timeout: .seconds(30), callerID: nil,
            variables: [])
        action.actionID = "orig-\(job)"
        return (action, job)
    }

    static func frames(_ bytes: [UInt8]) throws -> [AMIFrame] {
        var decoder = AMIDecoder()
        decoder.feed(bytes)
        return try decoder.frames()
    }

    /// Feeds `frames`; places the calls as soon as the login is accepted.
    static func replay(_ frames: [AMIFrame], calls: [(OriginateAction, jobID: String)]) -> Replay {
        let start = ContinuousClock.now
        var replay = Replay(machine: AMISessionStateMachine(settings: settings))
        replay.actions += replay.machine.connected(now: start)
        for (index, frame) in frames.enumerated() {
            let now = start + .milliseconds(index)
            let actions = replay.machine.received(frame, now: now)
            replay.actions += actions
            if actions.contains(where: { if case .ready = $0 { return true } else { return false } }) {
                for (action, job) in calls {
                    replay.actions += replay.machine.originate(
                        action, jobID: job, attempt: 1, deadline: start + .seconds(3600), now: now)
                }
            }
        }
        return replay
    }

    func replayCapture(_ name: String) throws -> Replay {
        Self.replay(try Self.frames(try Captures.bytes(name)), calls: [Self.captured(name)])
    }

    func testLoginSendsUsernameAndSecretAndRedactsIt() throws {
        let r = try replayCapture("busy")
        guard case .send(let login) = r.actions.first else { return XCTFail("no login") }
        XCTAssertEqual(login.action, "Login")
        XCTAssertEqual(login["Username"], "gateway")
        XCTAssertEqual(login["Secret"], "test-secret")
        XCTAssertEqual(login.actionID, "login-1")
        XCTAssertFalse(login.description.contains("test-secret"))
    }

    func testDialFailures() throws {
        let expected: [(String, ErrorCode, Int)] = [
            ("busy", .busy, 17), ("no_answer", .noAnswer, 19), ("congestion", .congestion, 34),
        ]
        for (name, code, cause) in expected {
            let r = try replayCapture(name)
            let (_, job) = Self.captured(name)
            XCTAssertEqual(r.results.count, 1, name)
            let result = try XCTUnwrap(r.results[job], name)
            XCTAssertEqual(result.status, .failed(code), name)
            XCTAssertEqual(result.pagesSent, 0)
            XCTAssertEqual(result.details.hangupCause, cause, name)
            XCTAssertEqual(result.details.endedIn, "dial", name)
            XCTAssertEqual(result.details.faxStatus, "FAILED", name)
        }
    }

    func testSuccessIsDecidedByFaxStatusDespiteHangupError() throws {
        for (name, pages, uid) in [("success_1page", 1, "1795731609.4"), ("success_2page", 2, nil)] {
            let r = try replayCapture(name)
            let result = try XCTUnwrap(r.results[Self.captured(name).jobID], name)
            XCTAssertEqual(result.status, .sent, name)
            XCTAssertEqual(result.pagesSent, pages, name)
            XCTAssertEqual(result.details.faxError, "HANGUP", name)
            XCTAssertEqual(result.details.mode, "T38", name)
            XCTAssertEqual(result.details.bitRate, 14400, name)
            XCTAssertEqual(result.details.hangupCause, 16, name)
            XCTAssertEqual(result.details.endedIn, "fax", name)
            if let uid { XCTAssertEqual(result.details.channelUniqueID, uid) }
        }
    }

    func testFaxStageFailures() throws {
        let expected: [(String, ErrorCode, String)] = [
            ("midcall_hangup", .faxTransferFailed, "The call dropped prematurely"),
            ("bad_tiff", .internalError, "TIFF/F file cannot be opened"),
            ("missing_file", .internalError, "error reading file"),
        ]
        for (name, code, text) in expected {
            let r = try replayCapture(name)
            let result = try XCTUnwrap(r.results[Self.captured(name).jobID], name)
            XCTAssertEqual(result.status, .failed(code), name)
            XCTAssertEqual(result.details.statusString, text, name)
            XCTAssertTrue(result.message.contains(text), result.message)
        }
    }

    func testWrongPasswordIsTerminalAndClear() throws {
        let r = try replayCapture("wrong_password")
        XCTAssertEqual(r.machine.state, .authenticationFailed("Authentication failed"))
        XCTAssertTrue(
            r.actions.contains(.authenticationFailed(message: "AMI login as 'gateway' refused: Authentication failed")))
        XCTAssertTrue(r.actions.contains { if case .close = $0 { return true } else { return false } })
        XCTAssertTrue(r.results.isEmpty)
    }

    func testUserEventActionEchoIsNotAResult() throws {
        let r = try replayCapture("userevent_action")
        XCTAssertTrue(r.results.isEmpty)
        XCTAssertEqual(r.machine.callsInFlight, ["job-ue"])
    }

    /// Live Asterisk may deliver the FaxResult before OriginateResponse (AMI-REFERENCE §1.6).
    func testResultBeforeOriginateResponse() throws {
        var frames = try Self.frames(try Captures.bytes("success_1page"))
        let response = try XCTUnwrap(
            frames.firstIndex {
                if case .message(let m) = $0 { return m.event == "OriginateResponse" } else { return false }
            })
        let moved = frames.remove(at: response)
        let result = try XCTUnwrap(
            frames.firstIndex {
                if case .message(let m) = $0 { return m["UserEvent"] == "FaxResult" } else { return false }
            })
        frames.insert(moved, at: result + 1)
        let r = Self.replay(frames, calls: [Self.captured("success_1page")])
        XCTAssertEqual(r.results["job-success-1p"]?.status, .sent)
        XCTAssertEqual(r.machine.callsInFlight, [])
    }

    /// Every AMI session sees every call's events: two calls' streams interleaved, each
    /// call gets its own outcome, and a call nobody placed changes nothing.
    func testInterleavedCallsAreMatchedByJob() throws {
        let busy = try Self.frames(try Captures.bytes("busy"))
        let fax = try Self.frames(try Captures.bytes("success_2page"))
        // Banner + login + FullyBooted from one, then the rest of both alternating.
        var merged = Array(busy.prefix(3))
        let a = busy.dropFirst(3)
        let b = fax.dropFirst(3)
        for i in 0..<max(a.count, b.count) {
            if i < a.count { merged.append(a[a.startIndex + i]) }
            if i < b.count { merged.append(b[b.startIndex + i]) }
        }
        let both = Self.replay(merged, calls: [Self.captured("busy"), Self.captured("success_2page")])
        XCTAssertEqual(both.results["job-busy"]?.status, .failed(.busy))
        XCTAssertEqual(both.results["job-success-2p"]?.status, .sent)
        XCTAssertEqual(both.results["job-success-2p"]?.pagesSent, 2)

        let onlyFax = Self.replay(merged, calls: [Self.captured("success_2page")])
        XCTAssertEqual(onlyFax.results.count, 1)
        XCTAssertEqual(onlyFax.results["job-success-2p"]?.status, .sent)
    }

    /// Every frame of a capture arrives twice (a reconnect replaying events, a second AMI
    /// session): the call still completes exactly once, with the same outcome.
    func testDuplicateEventsCompleteACallOnce() throws {
        for name in ["success_2page", "busy", "midcall_hangup"] {
            let frames = try Self.frames(try Captures.bytes(name))
            let doubled = Array(frames.prefix(3)) + frames.dropFirst(3).flatMap { [$0, $0] }
            let once = try replayCapture(name)
            let twice = Self.replay(doubled, calls: [Self.captured(name)])
            let completions = twice.actions.filter { if case .complete = $0 { return true } else { return false } }
            XCTAssertEqual(completions.count, 1, name)
            XCTAssertEqual(twice.results, once.results, name)
        }
    }
}
