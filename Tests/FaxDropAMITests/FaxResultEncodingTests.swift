import AsteriskSimulator
import FaxDropAMI
import FaxDropCore
import Foundation
import XCTest

/// Issue 9, item 9: free text in the `FaxResult` event (remote station id, error texts)
/// travels percent-encoded, so a station id holding CR LF cannot forge a header; and the
/// AstDB copy of a result is deleted once FaxDrop's journal holds it.
final class FaxResultEncodingTests: XCTestCase {
    static let hostileStation = "EVIL\r\nStatus: SUCCESS\r\nPages: 9"

    func decode(_ text: String) throws -> [AMIMessage] {
        var decoder = AMIDecoder(expectBanner: false)
        decoder.feed(Array(text.utf8)[...])
        return try decoder.frames().compactMap { if case .message(let m) = $0 { return m } else { return nil } }
    }

    /// The pure decoder: the encoded event is one message with one Status, and the station
    /// id comes back whole; the same text unencoded would have split into forged headers.
    func testEncodedFreeTextCannotForgeHeaders() throws {
        func event(station: String, text: String) -> String {
            "Event: UserEvent\r\nPrivilege: user,all\r\nUserEvent: FaxResult\r\nJobID: J\r\nAttempt: 1\r\n"
                + "CallID: J-1\r\nStage: fax\r\nStatus: FAILED\r\nError: \(text)\r\nStatusString: \(text)\r\n"
                + "RemoteStationID: \(station)\r\nLocalStationID: %2B1%20555\r\nNumber: +15551230000\r\n\r\n"
        }
        let text = "The call dropped prematurely, 100% sure"
        let encoded = try decode(
            event(station: PercentEncoding.encode(Self.hostileStation), text: PercentEncoding.encode(text)))
        XCTAssertEqual(encoded.count, 1)
        XCTAssertEqual(encoded[0].values("Status"), ["FAILED"])
        XCTAssertEqual(encoded[0].values("Pages"), [])
        let result = try XCTUnwrap(FaxResultEvent(encoded[0]))
        XCTAssertEqual(result.remoteStationID, Self.hostileStation)
        XCTAssertEqual(result.statusString, text)
        XCTAssertEqual(result.error, text)
        XCTAssertEqual(result.status, "FAILED")
        XCTAssertNil(result.pages)

        // Raw, the station id ends its line and the rest becomes headers of its own.
        let raw = try decode(event(station: Self.hostileStation, text: text))
        XCTAssertEqual(raw[0].values("Status"), ["FAILED", "SUCCESS"])
        XCTAssertEqual(FaxResultEvent(raw[0])?.pages, 9, "what the encoding prevents")
    }

    /// The channel snapshot Asterisk puts before `UserEvent:` is not encoded: a caller id
    /// holding CR LF forges header lines there (even a `UserEvent:` line). Only the fields
    /// after the last `UserEvent:` header are the dialplan's, and only they are read.
    func testCallerIDInTheChannelSnapshotCannotForgeAResult() throws {
        let forgedCaller = "+1555\r\nUserEvent: FaxResult\r\nStatus: SUCCESS\r\nPages: 9\r\nJobID: OTHER"
        let text =
            "Event: UserEvent\r\nPrivilege: user,all\r\nChannel: Local/+15551230000@faxdrop-outbound-0001;2\r\n"
            + "CallerIDNum: \(forgedCaller)\r\nUniqueid: 1700000000.42\r\nUserEvent: FaxResult\r\nJobID: J\r\n"
            + "Attempt: 1\r\nCallID: J-1\r\nStage: fax\r\nStatus: FAILED\r\nError: BUSY\r\n\r\n"
        let messages = try decode(text)
        XCTAssertEqual(messages.count, 1)
        XCTAssertEqual(messages[0].values("Status"), ["SUCCESS", "FAILED"], "the forged header is there")
        let result = try XCTUnwrap(FaxResultEvent(messages[0]))
        XCTAssertEqual(result.status, "FAILED")
        XCTAssertEqual(result.jobID, "J")
        XCTAssertNil(result.pages)
        XCTAssertEqual(result.uniqueID, "1700000000.42")
    }

    /// Through the simulator on a real socket: the result keeps the station id whole and
    /// the pages Asterisk really reported.
    func testHostileStationIDThroughTheSimulator() async throws {
        var options = Harness.simulatorOptions()
        options.remoteStationID = Self.hostileStation
        let h = try await Harness.make(simulator: options) { $0.dialTimeout = .seconds(30) }
        try await h.startConnected()
        // …0488 with two pages: page 1 goes through, then the line drops (FAILED, 1 page).
        let result = await h.backend.send(try h.call("+15550100488", pages: 2))
        XCTAssertEqual(result.status, .failed(.faxTransferFailed), result.message)
        XCTAssertEqual(result.pagesSent, 1)
        XCTAssertEqual(result.details.remoteStationID, Self.hostileStation)
        XCTAssertEqual(result.details.faxStatus, "FAILED")
        XCTAssertEqual(result.details.statusString, "The call dropped prematurely")
        await h.tearDown()
    }

    /// The machine alone: DBDel only after the retention, only while logged in, once.
    func testStoredResultIsDeletedAfterTheRetention() {
        typealias Machine = AMISessionStateMachine
        let t0 = ContinuousClock.now
        var settings = Machine.Settings(username: "u", secret: Secret("p"))
        settings.storedResultRetention = .seconds(30)
        settings.pingInterval = .seconds(3600)
        var m = Machine(settings: settings)
        // Not connected: remembered, nothing sent.
        XCTAssertEqual(m.forgetStoredResult(callID: "J-1", now: t0), [])
        _ = m.connected(now: t0)
        let login = m.received(.banner("Asterisk Call Manager/9.0.0"), now: t0)
        guard case .send(let loginMessage)? = login.first else { return XCTFail("\(login)") }
        _ = m.received(.message(AMIMessage(["Response": "Success", "ActionID": loginMessage.actionID!])), now: t0)
        XCTAssertEqual(m.tick(now: t0 + .seconds(29)), [], "kept for the retention")
        let due = m.tick(now: t0 + .seconds(30))
        guard case .send(let del)? = due.first, due.count == 1 else { return XCTFail("\(due)") }
        XCTAssertEqual(del.action, "DBDel")
        XCTAssertEqual(del["Family"], "FaxDrop")
        XCTAssertEqual(del["Key"], "J-1")
        XCTAssertEqual(m.tick(now: t0 + .seconds(31)), [], "asked once")
        _ = m.received(
            .message(
                AMIMessage(["Response": "Success", "ActionID": del.actionID!, "Message": "Key deleted successfully"])),
            now: t0 + .seconds(31))
        XCTAssertEqual(m.storedResultsToDelete, [:])
    }

    /// Through the simulator: after the call's result is journaled, its AstDB key is gone.
    func testJournaledResultLeavesNoAstDBCopy() async throws {
        var backendOptions = Harness.backendOptions()
        backendOptions.storedResultRetention = .milliseconds(50)
        let h = try await Harness.make(backend: backendOptions)
        try await h.startConnected()
        let call = try h.call("+15551230001", pages: 1)
        let result = await h.backend.send(call)
        XCTAssertEqual(result.status, .sent)
        let stored = await h.simulator.storedResult(call.callID)
        XCTAssertNotNil(stored, "the dialplan keeps a copy until FaxDrop has journaled the result")
        await h.backend.resultJournaled(jobID: call.jobID, attempt: call.attempt)
        await eventually("the AstDB copy is deleted") { await h.simulator.storedResult(call.callID) == nil }
        await h.tearDown()
    }
}
