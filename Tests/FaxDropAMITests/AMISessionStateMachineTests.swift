import FaxDropAMI
import FaxDropCore
import XCTest

/// The session state machine step by step, with no socket and a clock passed in.
final class AMISessionStateMachineTests: XCTestCase, SessionMachineSteps {
    let t0 = ContinuousClock.now

    func results(_ actions: [Machine.Action]) -> [String: CallResult] {
        var out: [String: CallResult] = [:]
        for case .complete(let id, let r) in actions { out[id] = r }
        return out
    }

    func readyMachine() -> Machine {
        var m = machine {
            $0.pingInterval = .seconds(20)
            $0.pingTimeout = .seconds(10)
        }
        XCTAssertEqual(login(&m), [.ready(banner: "Asterisk Call Manager/9.0.0")])
        XCTAssertEqual(m.state, .ready)
        return m
    }

    func originate(_ callID: String = "JOB-1") -> OriginateAction {
        OriginateAction(
            callID: callID, channel: "Local/+15551230000@faxout", context: "faxsend", timeout: .seconds(45),
            callerID: nil, variables: [])
    }

    func faxResult(_ callID: String, status: String = "SUCCESS", pages: Int = 1) -> AMIFrame {
        message([
            "Event": "UserEvent", "Privilege": "user,all", "Uniqueid": "fax-\(callID)", "UserEvent": "FaxResult",
            "JobID": "JOB", "Attempt": "1", "CallID": callID, "Stage": "fax", "Status": status, "Error": "HANGUP",
            "StatusString": "OK", "Pages": "\(pages)", "HangupCause": "16", "Mode": "T38",
        ])
    }

    func testNotAnAsteriskBannerCloses() {
        var m = Machine(settings: .init(username: "u", secret: Secret("p")))
        _ = m.connected(now: t0)
        XCTAssertEqual(
            m.received(.banner("SSH-2.0-OpenSSH"), now: t0),
            [.close(reason: "not an Asterisk manager interface: 'SSH-2.0-OpenSSH'")])
    }

    func testLoginTimeout() {
        var m = Machine(settings: .init(username: "u", secret: Secret("p")))
        _ = m.connected(now: t0)
        XCTAssertEqual(m.tick(now: t0 + .seconds(5)), [])
        XCTAssertEqual(m.tick(now: t0 + .seconds(11)).count, 1)
    }

    func testOriginateWhileDisconnectedIsUnavailable() {
        var m = Machine(settings: .init(username: "u", secret: Secret("p")))
        let r = results(m.originate(originate(), jobID: "JOB", attempt: 1, deadline: t0 + .seconds(60), now: t0))
        XCTAssertEqual(r["JOB-1"]?.status, .unavailable)
        XCTAssertEqual(m.callsInFlight, [])
    }

    func testPingKeepAliveAndDeadConnection() {
        var m = readyMachine()
        XCTAssertEqual(sent(m.tick(now: t0 + .seconds(19))), [])
        let ping = sent(m.tick(now: t0 + .seconds(20)))
        XCTAssertEqual(ping.first?.action, "Ping")
        XCTAssertEqual(sent(m.tick(now: t0 + .seconds(25))), [])  // one ping outstanding at a time
        _ = m.received(
            message(["Response": "Success", "ActionID": ping[0].actionID!, "Ping": "Pong"]), now: t0 + .seconds(26))
        let second = sent(m.tick(now: t0 + .seconds(46)))
        XCTAssertEqual(second.first?.action, "Ping")
        let dead = m.tick(now: t0 + .seconds(57))
        XCTAssertTrue(dead.contains { if case .close = $0 { return true } else { return false } })
    }

    func testResultBeforeResponseAndEventsOfOtherCallsIgnored() {
        var m = readyMachine()
        let out = sent(m.originate(originate(), jobID: "JOB", attempt: 1, deadline: t0 + .seconds(600), now: t0))
        XCTAssertEqual(out.first?["ActionID"], "fax-JOB-1")
        XCTAssertEqual(results(m.received(faxResult("OTHER-1"), now: t0)), [:])
        XCTAssertEqual(
            results(m.received(message(["Event": "Hangup", "Uniqueid": "fax-OTHER-1", "Cause": "17"]), now: t0)), [:])
        let r = results(m.received(faxResult("JOB-1", pages: 3), now: t0))
        XCTAssertEqual(r["JOB-1"]?.status, .sent)
        XCTAssertEqual(r["JOB-1"]?.pagesSent, 3)
        // The late response and OriginateResponse change nothing.
        XCTAssertEqual(
            m.received(
                message(["Response": "Success", "ActionID": "fax-JOB-1", "Message": "Originate successfully queued"]),
                now: t0), [])
        XCTAssertEqual(
            m.received(
                message(["Event": "OriginateResponse", "ActionID": "fax-JOB-1", "Response": "Success", "Reason": "4"]),
                now: t0), [])
    }

    func testDeadlineHangsUpTheChannel() {
        var m = readyMachine()
        _ = m.originate(originate(), jobID: "JOB", attempt: 1, deadline: t0 + .seconds(300), now: t0)
        _ = m.received(
            message(["Event": "Newchannel", "Channel": "Local/+15551230000@faxout-00000001;1", "Uniqueid": "fax-JOB-1"]
            ), now: t0)
        XCTAssertEqual(results(m.tick(now: t0 + .seconds(10))), [:])
        let actions = m.tick(now: t0 + .seconds(300))
        let hangup = sent(actions).first { $0.action == "Hangup" }
        XCTAssertEqual(hangup?["Channel"], "Local/+15551230000@faxout-00000001;1")
        XCTAssertEqual(results(actions), [:])
        // The hang-up's FaxResult brings the pages done; the outcome stays timeout.
        let r = results(m.received(faxResult("JOB-1", status: "FAILED", pages: 2), now: t0 + .seconds(301)))
        XCTAssertEqual(r["JOB-1"]?.status, .failed(.timeout))
        XCTAssertEqual(r["JOB-1"]?.pagesSent, 2)
        XCTAssertEqual(r["JOB-1"]?.details.faxStatus, "FAILED")
    }

    func testDeadlineWithoutFaxResultEndsAfterTheGrace() {
        var m = readyMachine()
        _ = m.originate(originate(), jobID: "JOB", attempt: 1, deadline: t0 + .seconds(300), now: t0)
        XCTAssertEqual(results(m.tick(now: t0 + .seconds(300))), [:])
        XCTAssertEqual(results(m.tick(now: t0 + .seconds(302))), [:])
        XCTAssertEqual(results(m.tick(now: t0 + .seconds(305)))["JOB-1"]?.status, .failed(.timeout))
    }

    func testCancelHangsUp() {
        var m = readyMachine()
        _ = m.originate(originate(), jobID: "JOB", attempt: 1, deadline: t0 + .seconds(300), now: t0)
        let actions = m.cancel(callID: "JOB-1", now: t0)
        XCTAssertEqual(sent(actions).first?["Channel"], "fax-JOB-1")
        XCTAssertEqual(m.cancel(callID: "JOB-1", now: t0), [])  // one Hangup only
        let r = results(m.received(faxResult("JOB-1", status: "FAILED", pages: 1), now: t0))
        XCTAssertEqual(r["JOB-1"]?.status, .failed(.cancelled))
        XCTAssertEqual(r["JOB-1"]?.pagesSent, 1)
    }

    /// A fax that completed as FaxDrop hung it up was sent: the result says so.
    func testSuccessRacingTheHangupIsSent() {
        var m = readyMachine()
        _ = m.originate(originate(), jobID: "JOB", attempt: 1, deadline: t0 + .seconds(300), now: t0)
        _ = m.cancel(callID: "JOB-1", now: t0)
        XCTAssertEqual(
            results(m.received(faxResult("JOB-1", status: "SUCCESS", pages: 3), now: t0))["JOB-1"]?.status, .sent)
    }

    func testOriginateRefused() {
        var m = readyMachine()
        _ = m.originate(originate(), jobID: "JOB", attempt: 1, deadline: t0 + .seconds(300), now: t0)
        let r = results(
            m.received(
                message(["Response": "Error", "ActionID": "fax-JOB-1", "Message": "Permission denied"]), now: t0))
        XCTAssertEqual(r["JOB-1"]?.status, .failed(.internalError))
        XCTAssertTrue(r["JOB-1"]?.message.contains("Permission denied") == true)
    }

    /// A dialplan without FaxDrop's FaxResult: the OriginateResponse reason decides after the grace period.
    func testNoFaxResultFallsBackToOriginateReason() {
        var m = readyMachine()
        _ = m.originate(originate(), jobID: "JOB", attempt: 1, deadline: t0 + .seconds(300), now: t0)
        _ = m.received(
            message([
                "Event": "OriginateResponse", "ActionID": "fax-JOB-1", "Response": "Failure", "Reason": "5",
                "Uniqueid": "fax-JOB-1",
            ]), now: t0)
        XCTAssertEqual(results(m.tick(now: t0 + .seconds(2))), [:])
        let r = results(m.tick(now: t0 + .seconds(6)))
        XCTAssertEqual(r["JOB-1"]?.status, .failed(.busy))
    }

    func testReconnectReconcilesFromDatabaseThenStatus() {
        var m = readyMachine()
        _ = m.originate(originate("JOB-1"), jobID: "JOB", attempt: 1, deadline: t0 + .seconds(300), now: t0)
        _ = m.originate(originate("JOB2-1"), jobID: "JOB2", attempt: 1, deadline: t0 + .seconds(300), now: t0)
        _ = m.originate(originate("JOB3-1"), jobID: "JOB3", attempt: 1, deadline: t0 + .seconds(300), now: t0)
        _ = m.connectionClosed(now: t0)
        XCTAssertEqual(m.state, .disconnected)
        XCTAssertEqual(
            results(m.originate(originate("JOB4-1"), jobID: "JOB4", attempt: 1, deadline: t0 + .seconds(300), now: t0))[
                "JOB4-1"]?.status, .unavailable)

        _ = m.connected(now: t0)
        let login = sent(m.received(.banner("Asterisk Call Manager/9.0.0"), now: t0))
        let asks = sent(m.received(message(["Response": "Success", "ActionID": login[0].actionID!]), now: t0))
        XCTAssertEqual(asks.map { $0.action }, ["DBGet", "DBGet", "DBGet"])
        XCTAssertEqual(asks.map { $0["Key"] }, ["JOB-1", "JOB2-1", "JOB3-1"])
        XCTAssertEqual(asks[0]["Family"], "FaxDrop")

        // JOB-1: the result is in AstDB.
        XCTAssertEqual(
            m.received(
                message(["Response": "Success", "ActionID": asks[0].actionID!, "Message": "Result will follow"]),
                now: t0), [])
        let stored = StoredResult.encode([
            ("Stage", "fax"), ("Status", "FAILED"), ("Error", "The call dropped prematurely"),
            ("StatusString", "The call dropped prematurely"), ("Pages", "2"), ("HangupCause", "16"),
        ])
        let r1 = results(
            m.received(
                message([
                    "Event": "DBGetResponse", "Family": "FaxDrop", "Key": "JOB-1", "Val": stored,
                    "ActionID": asks[0].actionID!,
                ]), now: t0))
        XCTAssertEqual(r1["JOB-1"]?.status, .failed(.faxTransferFailed))
        XCTAssertEqual(r1["JOB-1"]?.pagesSent, 2)

        // JOB2-1: not in AstDB, channel gone → interrupted.
        let status2 = sent(
            m.received(
                message(["Response": "Error", "ActionID": asks[1].actionID!, "Message": "Database entry not found"]),
                now: t0))
        XCTAssertEqual(status2.first?.action, "Status")
        XCTAssertEqual(status2.first?["Channel"], "fax-JOB2-1")
        let r2 = results(
            m.received(
                message(["Response": "Error", "ActionID": status2[0].actionID!, "Message": "No such channel"]), now: t0)
        )
        XCTAssertEqual(r2["JOB2-1"]?.status, .failed(.interrupted))

        // JOB3-1: still up → keeps waiting for its FaxResult.
        let status3 = sent(m.received(message(["Response": "Error", "ActionID": asks[2].actionID!]), now: t0))
        XCTAssertEqual(
            results(m.received(message(["Response": "Success", "ActionID": status3[0].actionID!]), now: t0)), [:])
        XCTAssertEqual(m.callsInFlight, ["JOB3-1"])
        XCTAssertEqual(results(m.received(faxResult("JOB3-1"), now: t0))["JOB3-1"]?.status, .sent)
    }

    func testDeadlineWhileDisconnectedIsInterrupted() {
        var m = readyMachine()
        _ = m.originate(originate(), jobID: "JOB", attempt: 1, deadline: t0 + .seconds(30), now: t0)
        _ = m.connectionClosed(now: t0)
        let actions = m.tick(now: t0 + .seconds(31))
        XCTAssertEqual(sent(actions), [])
        XCTAssertEqual(results(actions)["JOB-1"]?.status, .failed(.interrupted))
    }
}
