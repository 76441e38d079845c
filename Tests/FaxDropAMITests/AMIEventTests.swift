import FaxDropAMI
import FaxDropCore
import XCTest

/// The typed layer between wire messages and the session machine: events and responses
/// decoded from headers, and the actions the machine writes, header by header.
final class AMIEventTests: XCTestCase {
    func testResponsesAreNotEvents() {
        let response = AMIMessage(["Response": "Error", "ActionID": "login-1", "Message": "Authentication failed"])
        XCTAssertNil(AMIEvent(response))
        let decoded = AMIResponse(response)
        XCTAssertEqual(decoded.actionID, "login-1")
        XCTAssertFalse(decoded.isSuccess)
        XCTAssertEqual(decoded.text, "Authentication failed")
        XCTAssertTrue(AMIResponse(AMIMessage(["Response": "success", "ActionID": "p"])).isSuccess)
        XCTAssertEqual(AMIResponse(AMIMessage(["Response": "Success"])).text, "")
    }

    /// `OriginateResponse` carries `Response:` too: it is an event, and says whether the call was answered.
    func testOriginateResponse() {
        let failed = AMIMessage([
            "Event": "OriginateResponse", "ActionID": "orig-7", "Response": "Failure", "Channel": "PJSIP/trunk/+1555",
            "Reason": "5", "Uniqueid": "<unknown>",
        ])
        guard case .originateResponse(let refused)? = AMIEvent(failed) else { return XCTFail("\(failed)") }
        XCTAssertEqual(refused.actionID, "orig-7")
        XCTAssertFalse(refused.answered)
        XCTAssertEqual(refused.reason, 5)
        XCTAssertNil(refused.uniqueID, "<unknown> is no Uniqueid")
        XCTAssertEqual(refused.channel, "PJSIP/trunk/+1555")
        let answered = AMIMessage([
            "Event": "originateresponse", "ActionID": "orig-8", "Response": "Success", "Reason": "4",
            "Uniqueid": "fax-1",
        ])
        guard case .originateResponse(let event)? = AMIEvent(answered) else { return XCTFail("\(answered)") }
        XCTAssertTrue(event.answered)
        XCTAssertEqual(event.uniqueID, "fax-1")
        XCTAssertNil(event.channel)
    }

    func testChannelAndDatabaseEvents() {
        XCTAssertEqual(
            AMIEvent(AMIMessage(["Event": "Hangup", "Uniqueid": "u1", "Cause": "17", "Cause-txt": "User busy"])),
            .hangup(uniqueID: "u1", cause: 17))
        XCTAssertEqual(
            AMIEvent(AMIMessage(["Event": "Hangup", "Uniqueid": "u1", "Cause": "x"])),
            .hangup(uniqueID: "u1", cause: nil))
        XCTAssertEqual(
            AMIEvent(AMIMessage(["Event": "Newchannel", "Uniqueid": "u2", "Channel": "Local/x@faxout-00;1"])),
            .newChannel(uniqueID: "u2", channel: "Local/x@faxout-00;1"))
        XCTAssertEqual(
            AMIEvent(AMIMessage(["Event": "DBGetResponse", "ActionID": "db-1", "Family": "FaxDrop", "Val": "a=b"])),
            .databaseValue(actionID: "db-1", value: "a=b"))
        XCTAssertEqual(
            AMIEvent(AMIMessage(["Event": "DBGetTreeResponse", "ActionID": "t", "Key": "/FaxDropRx/r1", "Val": "v"])),
            .databaseTreeEntry(actionID: "t", key: "/FaxDropRx/r1", value: "v"))
        XCTAssertEqual(
            AMIEvent(AMIMessage(["Event": "DBGetTreeComplete", "ActionID": "t"])), .databaseTreeComplete(actionID: "t"))
        XCTAssertEqual(AMIEvent(AMIMessage(["Event": "FullyBooted", "Status": "Fully Booted"])), .fullyBooted)
        XCTAssertEqual(
            AMIEvent(AMIMessage(["Event": "DeviceStateChange", "Device": "PJSIP/trunk", "State": "INUSE"])),
            .deviceStateChange(device: "PJSIP/trunk", state: "INUSE"))
        XCTAssertEqual(AMIEvent(AMIMessage(["Event": "VarSet", "Variable": "X"])), .other(name: "VarSet"))
    }

    /// User events are told apart by the dialplan's own `UserEvent:` header (the last one):
    /// a `UserEvent:` line forged in the channel snapshot decides nothing.
    func testUserEvents() {
        let result = AMIMessage([
            "Event": "UserEvent", "Uniqueid": "fax-1", "UserEvent": "FaxResult", "JobID": "J", "CallID": "J-1",
            "Status": "SUCCESS", "Pages": "2",
        ])
        guard case .faxResult(let decoded)? = AMIEvent(result) else { return XCTFail("\(result)") }
        XCTAssertEqual(decoded.callID, "J-1")
        XCTAssertEqual(decoded.pages, 2)
        let forged = AMIMessage([
            "Event": "UserEvent", "CallerIDNum": "x", "UserEvent": "FaxResult", "UserEvent": "Other",
            "Status": "SUCCESS",
        ])
        XCTAssertEqual(AMIEvent(forged), .userEvent(name: "Other"))
        let received = AMIMessage([
            "Event": "UserEvent", "UserEvent": "FaxReceived", "ReceiveID": "r-1", "Pages": "1", "Status": "SUCCESS",
        ])
        guard case .faxReceived(let fax)? = AMIEvent(received) else { return XCTFail("\(received)") }
        XCTAssertEqual(fax.receiveID, "r-1")
    }

    /// The actions go out as before the typed layer: same headers, same order.
    func testActionsOnTheWire() {
        func wire(_ action: AMIAction) -> String { action.message(actionID: "a-1").encoded }
        XCTAssertEqual(
            wire(.login(username: "faxdrop", secret: Secret("s3"), events: "call,user")),
            "Action: Login\r\nActionID: a-1\r\nUsername: faxdrop\r\nSecret: s3\r\nEvents: call,user\r\n\r\n")
        XCTAssertFalse(
            "\(AMIAction.login(username: "u", secret: Secret("s3cr3t"), events: "off").message(actionID: "l"))"
                .contains("s3cr3t"))
        XCTAssertEqual(wire(.logoff), "Action: Logoff\r\nActionID: a-1\r\n\r\n")
        XCTAssertEqual(wire(.ping), "Action: Ping\r\nActionID: a-1\r\n\r\n")
        XCTAssertEqual(
            wire(.hangup(channel: "Local/x@faxout;1")),
            "Action: Hangup\r\nActionID: a-1\r\nChannel: Local/x@faxout;1\r\n\r\n")
        XCTAssertEqual(wire(.status(channel: "fax-1")), "Action: Status\r\nActionID: a-1\r\nChannel: fax-1\r\n\r\n")
        XCTAssertEqual(
            wire(.databaseGet(family: "FaxDrop", key: "J-1")),
            "Action: DBGet\r\nActionID: a-1\r\nFamily: FaxDrop\r\nKey: J-1\r\n\r\n")
        XCTAssertEqual(
            wire(.databaseDelete(family: "FaxDropRx", key: "r-1")),
            "Action: DBDel\r\nActionID: a-1\r\nFamily: FaxDropRx\r\nKey: r-1\r\n\r\n")
        XCTAssertEqual(
            wire(.databaseTree(family: "FaxDropRx")), "Action: DBGetTree\r\nActionID: a-1\r\nFamily: FaxDropRx\r\n\r\n")
        XCTAssertEqual(
            wire(.getvar(variable: "FAXDROP_DIAL_TECH")),
            "Action: Getvar\r\nActionID: a-1\r\nVariable: FAXDROP_DIAL_TECH\r\n\r\n")
        XCTAssertEqual(
            wire(.moduleCheck(module: "chan_pjsip")),
            "Action: ModuleCheck\r\nActionID: a-1\r\nModule: chan_pjsip\r\n\r\n")
        let getvar = AMIResponse(AMIMessage(["Response": "Success", "Variable": "V", "Value": "  IAX2 "]))
        XCTAssertEqual(getvar.getvarValue, "IAX2")
        XCTAssertNil(AMIResponse(AMIMessage(["Response": "Success", "Variable": "V", "Value": ""])).getvarValue)
        XCTAssertNil(AMIResponse(AMIMessage(["Response": "Error", "Value": "x"])).getvarValue)
    }

    /// Logged in, the machine says goodbye with a Logoff; not logged in, it has nothing to say.
    func testLogoffOnlyWhenLoggedIn() {
        var machine = AMISessionStateMachine(settings: .init(username: "u", secret: Secret("p")))
        let start = ContinuousClock.now
        _ = machine.connected(now: start)
        XCTAssertEqual(machine.logoff(now: start), [])
        let login = machine.received(.banner("Asterisk Call Manager/9.0.0"), now: start)
        guard case .send(let message)? = login.first, let id = message.actionID else { return XCTFail("\(login)") }
        _ = machine.received(.message(AMIMessage(["Response": "Success", "ActionID": id])), now: start)
        XCTAssertEqual(machine.state, .ready)
        let logoff = machine.logoff(now: start)
        guard case .send(let bye)? = logoff.first else { return XCTFail("\(logoff)") }
        XCTAssertEqual(bye.action, "Logoff")
    }
}
