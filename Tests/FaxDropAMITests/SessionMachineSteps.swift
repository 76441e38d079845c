import FaxDropAMI
import FaxDropCore
import XCTest

/// What the tests that walk the session machine step by step (no socket, the clock at `t0`)
/// share: frames to feed it, the messages its actions send, and a successful login.
protocol SessionMachineSteps {
    var t0: ContinuousClock.Instant { get }
}

extension SessionMachineSteps {
    typealias Machine = AMISessionStateMachine

    /// A machine that logs in as `faxdrop` (secret `pw`), with the settings `configure` changes.
    func machine(_ configure: (inout Machine.Settings) -> Void = { _ in }) -> Machine {
        var settings = Machine.Settings(username: "faxdrop", secret: Secret("pw"))
        configure(&settings)
        return Machine(settings: settings)
    }

    func message(_ pairs: KeyValuePairs<String, String>) -> AMIFrame { .message(AMIMessage(pairs)) }

    func sent(_ actions: [Machine.Action]) -> [AMIMessage] {
        actions.compactMap { if case .send(let m) = $0 { return m } else { return nil } }
    }

    /// Connects `m` and accepts the Login it answers the banner with; the actions of the acceptance.
    func login(_ m: inout Machine) -> [Machine.Action] {
        _ = m.connected(now: t0)
        let request = sent(m.received(.banner("Asterisk Call Manager/9.0.0"), now: t0))
        XCTAssertEqual(request.first?.action, "Login")
        return m.received(
            message(["Response": "Success", "ActionID": request[0].actionID!, "Message": "Authentication accepted"]),
            now: t0)
    }
}
