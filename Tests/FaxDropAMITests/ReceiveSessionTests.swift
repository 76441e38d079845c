import FaxDropAMI
import FaxDropCore
import XCTest

/// The receive side of the session machine (SPEC §10), step by step, no socket: a
/// FaxReceived event is reported; after every login the AstDB copies are asked for with
/// DBGetTree and each is reported; a landed receive's copy is deleted, after the next login
/// when AMI was down.
final class ReceiveSessionTests: XCTestCase, SessionMachineSteps {
    let t0 = ContinuousClock.now

    func received(_ actions: [Machine.Action]) -> [FaxReceivedEvent] {
        actions.compactMap { if case .faxReceived(let e) = $0 { return e } else { return nil } }
    }

    func testReceivesAreReportedFromEventsAndFromAstDBAfterLogin() throws {
        var m = machine { $0.reconcileReceives = true }
        let tree = try XCTUnwrap(sent(login(&m)).first { $0.action == "DBGetTree" })
        XCTAssertEqual(tree["Family"], "FaxDropRx")

        XCTAssertEqual(received(m.received(message(["Response": "Success", "ActionID": tree.actionID!]), now: t0)), [])
        let copy = StoredResult.encode([
            ("ReceiveID", "17.5"), ("DID", "+15551002"), ("Pages", "2"), ("Status", "SUCCESS"),
        ])
        let fromTree = received(
            m.received(
                message([
                    "Event": "DBGetTreeResponse", "ActionID": tree.actionID!, "Key": "/FaxDropRx/17.5", "Val": copy,
                ]),
                now: t0))
        XCTAssertEqual(fromTree.map(\.receiveID), ["17.5"])
        XCTAssertEqual(fromTree.first?.pages, 2)
        XCTAssertEqual(
            m.received(message(["Event": "DBGetTreeComplete", "ActionID": tree.actionID!]), now: t0),
            [.storedReceivesRead(["17.5"])], "every copy was read: these are all the receives AstDB holds")
        // A tree answer with another ActionID (another session's, or forged) is not a receive.
        XCTAssertEqual(
            received(m.received(message(["Event": "DBGetTreeResponse", "ActionID": "x", "Val": copy]), now: t0)), [])

        let event = received(
            m.received(
                message([
                    "Event": "UserEvent", "Privilege": "user,all", "UserEvent": "FaxReceived", "ReceiveID": "17.6",
                    "Caller": "555%0D%0AX", "Pages": "1",
                ]), now: t0))
        XCTAssertEqual(event.map(\.caller), ["555\r\nX"])

        // Landed while connected: deleted at once.
        let delete = sent(m.forgetReceive(receiveID: "17.5", now: t0))
        XCTAssertEqual(delete.map { $0["Family"] }, ["FaxDropRx"])
        XCTAssertEqual(delete.map { $0["Key"] }, ["17.5"])
        _ = m.received(message(["Response": "Success", "ActionID": delete[0].actionID!]), now: t0)
        XCTAssertEqual(m.receivesToDelete, [])

        // Landed while disconnected: deleted after the next login.
        _ = m.connectionClosed(now: t0)
        XCTAssertEqual(sent(m.forgetReceive(receiveID: "17.6", now: t0)), [])
        let again = sent(login(&m))
        XCTAssertEqual(again.filter { $0.action == "DBDel" }.map { $0["Key"] }, ["17.6"])
        XCTAssertEqual(again.filter { $0.action == "DBGetTree" }.count, 1)
    }

    /// An empty family answers an error; only that error means "no copies".
    func testAnEmptyFamilyMeansNoCopiesButAnotherErrorTellsNothing() throws {
        var m = machine { $0.reconcileReceives = true }
        let tree = try XCTUnwrap(sent(login(&m)).first { $0.action == "DBGetTree" })
        XCTAssertEqual(
            m.received(
                message(["Response": "Error", "ActionID": tree.actionID!, "Message": "Database entry not found"]),
                now: t0),
            [.storedReceivesRead([])])
        _ = m.connectionClosed(now: t0)
        let again = try XCTUnwrap(sent(login(&m)).first { $0.action == "DBGetTree" })
        XCTAssertEqual(
            m.received(
                message(["Response": "Error", "ActionID": again.actionID!, "Message": "Permission denied"]), now: t0),
            [])
    }

    func testOffByDefault() {
        var m = machine()
        XCTAssertEqual(sent(login(&m)).filter { $0.action == "DBGetTree" }, [])
    }
}
