import AsteriskSimulator
import FaxDropAMI
import FaxDropCore
import Foundation
import XCTest

/// Issue 15: after login FaxDrop asks Asterisk whether the channel driver named by the
/// dialplan and the modules the dialplan uses are loaded, and names each missing one.
final class ModuleCheckTests: XCTestCase {
    typealias Machine = AMISessionStateMachine
    let t0 = ContinuousClock.now

    func sent(_ actions: [Machine.Action]) -> [AMIMessage] {
        actions.compactMap { if case .send(let m) = $0 { return m } else { return nil } }
    }

    /// The machine alone: Getvar → one ModuleCheck per module → one report.
    func testTheSessionMachineAsksAndReportsEachMissingModule() throws {
        var settings = Machine.Settings(username: "faxdrop", secret: Secret("pw"))
        settings.checkModules = true
        var m = Machine(settings: settings)
        _ = m.connected(now: t0)
        let login = sent(m.received(.banner("Asterisk Call Manager/9.0.0"), now: t0))
        let afterLogin = m.received(
            .message(
                AMIMessage([
                    "Response": "Success", "ActionID": login[0].actionID!, "Message": "Authentication accepted",
                ])),
            now: t0)
        XCTAssertEqual(afterLogin.first, .ready(banner: "Asterisk Call Manager/9.0.0"))
        let getvar = try XCTUnwrap(sent(afterLogin).first)
        XCTAssertEqual(getvar.action, "Getvar")
        XCTAssertEqual(getvar["Variable"], "FAXDROP_DIAL_TECH")
        XCTAssertNil(getvar["Channel"], "a global: no channel")

        // The dialplan dials IAX2: its driver is checked, first.
        let checks = sent(
            m.received(
                .message(
                    AMIMessage([
                        "Response": "Success", "ActionID": getvar.actionID!, "Variable": "FAXDROP_DIAL_TECH",
                        "Value": "IAX2",
                    ])), now: t0))
        XCTAssertEqual(checks.map(\.action), Array(repeating: "ModuleCheck", count: 8))
        XCTAssertEqual(checks.map { $0["Module"]! }, AsteriskModules.required(dialTechnology: "IAX2"))
        XCTAssertEqual(checks.first?["Module"], "chan_iax2")
        XCTAssertEqual(m.dialTechnology, "IAX2")

        // Answers in another order; chan_iax2 and func_uri are not loaded.
        var last: [Machine.Action] = []
        for check in checks.reversed() {
            let module = check["Module"]!
            let answer: AMIMessage =
                ["chan_iax2", "func_uri"].contains(module)
                ? AMIMessage(["Response": "Error", "ActionID": check.actionID!, "Message": "Module not loaded"])
                : AMIMessage(["Response": "Success", "ActionID": check.actionID!, "Version": ""])
            XCTAssertTrue(last.isEmpty, "no report before every answer is in")
            last = m.received(.message(answer), now: t0)
        }
        guard case .modulesChecked(let report)? = last.first, last.count == 1 else {
            return XCTFail("expected one report, got \(last)")
        }
        XCTAssertEqual(report.missing, ["chan_iax2", "func_uri"])
        XCTAssertEqual(report.loaded.count, 6)
        XCTAssertTrue(report.technologyFromDialplan)
        XCTAssertTrue(report.explanation(of: "chan_iax2").contains("IAX2"))
        XCTAssertTrue(report.explanation(of: "chan_iax2").contains("channel_driver_missing"))

        // A cause 66 on this connection names the driver of the dialplan's technology.
        let originate = OriginateAction(
            callID: "J-1", channel: "Local/+15551230000@faxout", context: "faxsend", timeout: .seconds(45),
            callerID: nil, variables: [])
        _ = m.originate(originate, jobID: "J", attempt: 1, deadline: t0 + .seconds(600), now: t0)
        let done = m.received(
            .message(
                AMIMessage([
                    "Event": "UserEvent", "UserEvent": "FaxResult", "JobID": "J", "Attempt": "1", "CallID": "J-1",
                    "Stage": "dial", "Status": "FAILED", "Error": "CHANUNAVAIL", "DialStatus": "CHANUNAVAIL",
                    "HangupCause": "66", "Pages": "0",
                ])), now: t0)
        guard case .complete(_, let result)? = done.first else { return XCTFail("\(done)") }
        XCTAssertEqual(result.status, .failed(.channelDriverMissing))
        XCTAssertTrue(result.message.contains("chan_iax2"), result.message)
    }

    /// Without the setting nothing extra is sent (the capture replays stay byte-exact).
    func testOffByDefault() {
        var m = Machine(settings: .init(username: "u", secret: Secret("p")))
        _ = m.connected(now: t0)
        let login = sent(m.received(.banner("Asterisk Call Manager/9.0.0"), now: t0))
        XCTAssertEqual(
            m.received(.message(AMIMessage(["Response": "Success", "ActionID": login[0].actionID!])), now: t0),
            [.ready(banner: "Asterisk Call Manager/9.0.0")])
    }

    /// The real client against the simulator without chan_pjsip, over TCP: the error is
    /// logged by name at start-up, and a call fails at once, naming the driver.
    func testMissingChannelDriverOverAMI() async throws {
        var options = Harness.simulatorOptions()
        options.loadedModules.remove("chan_pjsip")
        let h = try await Harness.make(simulator: options) { $0.dialTimeout = .seconds(30) }
        try await h.startConnected()
        await eventually("the module report") { await h.backend.moduleReport != nil }
        let found = await h.backend.moduleReport
        let report = try XCTUnwrap(found)
        XCTAssertEqual(report.missing, ["chan_pjsip"])
        XCTAssertEqual(report.dialTechnology, "PJSIP")
        XCTAssertTrue(report.technologyFromDialplan)
        let errors = h.logs.all.filter { $0.hasPrefix("error") }
        XCTAssertEqual(errors.count, 1, "\(errors)")
        XCTAssertTrue(errors.first?.contains("chan_pjsip is not loaded") == true, "\(errors)")

        let started = ContinuousClock.now
        let result = await h.backend.send(try h.call("+15551230001", pages: 1))
        XCTAssertEqual(result.status, .failed(.channelDriverMissing))
        XCTAssertTrue(result.message.contains("chan_pjsip"), result.message)
        XCTAssertEqual(result.details.hangupCause, 66)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5), "not held until a deadline")
        XCTAssertFalse(h.logs.all.contains { $0.contains(Harness.secret) })
        await h.tearDown()
    }

    /// The simulator as shipped has every module: no error is logged.
    func testAllModulesPresent() async throws {
        let h = try await Harness.make()
        try await h.startConnected()
        await eventually("the module report") { await h.backend.moduleReport != nil }
        let found = await h.backend.moduleReport
        let report = try XCTUnwrap(found)
        XCTAssertEqual(report.missing, [])
        XCTAssertEqual(report.loaded, AsteriskModules.required(dialTechnology: "PJSIP"))
        XCTAssertFalse(h.logs.all.contains { $0.hasPrefix("error") })
        await h.tearDown()
    }
}
