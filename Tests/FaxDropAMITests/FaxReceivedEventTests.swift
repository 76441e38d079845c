import AsteriskSimulator
import FaxDropAMI
import FaxDropCore
import FaxDropFaxImage
import FaxDropTestSupport
import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// The receive event (SPEC §10, issue 10): the dialplan raises what the decoder reads, the
/// simulator raises it the way the `rx_*` captures of a real Asterisk 20 frame it, and no
/// free text from the line can forge a header.
final class FaxReceivedEventTests: XCTestCase {
    // MARK: Dialplan

    func dialplan() throws -> AsteriskConfigurationTests.Dialplan {
        AsteriskConfigurationTests.Dialplan(
            try String(
                contentsOf: Captures.repositoryRoot.appendingPathComponent("asterisk/etc/asterisk/extensions.conf"),
                encoding: .utf8))
    }

    /// `[faxdrop-inbound]` takes any DID with or without `+`; the hang-up handler is pushed
    /// before Answer (a caller who hangs up while ringing still gets an event) and before
    /// ReceiveFAX; the handler keeps the AstDB copy before the one UserEvent.
    func testInboundContextReceivesEveryDIDAndReportsFromAHangupHandler() throws {
        let plan = try dialplan()
        XCTAssertEqual(Set(plan.extensions("faxdrop-inbound")), ["_X.", "_+X."])
        for exten in ["_X.", "_+X."] {
            let apps = plan.apps("faxdrop-inbound", exten)
            XCTAssertTrue(apps.contains("Goto(faxdrop-receive,s,1)"), "\(exten): \(apps)")
            XCTAssertFalse(apps.contains { $0.hasPrefix("Hangup(21)") }, "inbound calls are no longer refused")
        }
        let receive = plan.apps("faxdrop-receive", "s")
        let push = try XCTUnwrap(receive.firstIndex { $0 == "Set(CHANNEL(hangup_handler_push)=faxdrop-rx-ended,s,1)" })
        let answer = try XCTUnwrap(receive.firstIndex { $0 == "Answer()" })
        let fax = try XCTUnwrap(receive.firstIndex { $0.hasPrefix("ReceiveFAX(${FAXDROP_RX_FILE},") })
        XCTAssertLessThan(push, answer)
        XCTAssertLessThan(answer, fax)
        XCTAssertTrue(receive.contains("Set(FAXOPT(ecm)=yes)"))
        XCTAssertTrue(
            receive.contains("Set(FAXDROP_RX_FILE=${FAXDROP_RX_DIR}/${UNIQUEID}.tif)"), "named by UNIQUEID only")
        XCTAssertEqual(plan.globals["FAXDROP_RX_OPTIONS"], "f", "G.711 fallback when T.38 fails")

        let handler = plan.apps("faxdrop-rx-ended", "s")
        let events = handler.filter { $0.hasPrefix("UserEvent(") }
        XCTAssertEqual(events.count, 1, "exactly one event per call")
        let copy = try XCTUnwrap(handler.firstIndex { $0.hasPrefix("Set(DB(FaxDropRx/${UNIQUEID})=") })
        XCTAssertLessThan(copy, try XCTUnwrap(handler.firstIndex { $0.hasPrefix("UserEvent(FaxReceived,") }))
        XCTAssertFalse(handler.contains { $0.hasPrefix("Goto") || $0.hasPrefix("GotoIf") }, "no path skips the event")

        let template = try String(
            contentsOf: Captures.repositoryRoot.appendingPathComponent(
                "asterisk/etc/asterisk/templates/pjsip.conf.template"), encoding: .utf8)
        XCTAssertTrue(template.contains("context = faxdrop-inbound"))
    }

    /// The event's fields are the decoder's, in order; every free-text field is URIENCODEd,
    /// in the event and in the AstDB copy.
    func testDialplanRaisesTheFieldsTheDecoderReadsWithFreeTextEncoded() throws {
        let handler = try dialplan().apps("faxdrop-rx-ended", "s")
        let event = try XCTUnwrap(handler.first { $0.hasPrefix("UserEvent(FaxReceived,") })
        var names: [String] = []
        var values: [String: String] = [:]
        for item in event.dropFirst("UserEvent(FaxReceived,\"".count).dropLast(2).components(separatedBy: "\",\"") {
            let parts = item.components(separatedBy: ": ")
            names.append(parts[0])
            values[parts[0]] = parts.dropFirst().joined(separator: ": ")
        }
        XCTAssertEqual(names, FaxReceivedEvent.fields)
        for field in FaxReceivedEvent.encodedFields {
            XCTAssertTrue(values[field]?.hasPrefix("${URIENCODE(") == true, "\(field): \(values[field] ?? "-")")
        }
        let copy = try XCTUnwrap(handler.first { $0.hasPrefix("Set(DB(FaxDropRx/${UNIQUEID})=") })
        let pairs = copy.dropFirst("Set(DB(FaxDropRx/${UNIQUEID})=".count).dropLast().components(separatedBy: "&")
        XCTAssertEqual(pairs.map { $0.components(separatedBy: "=")[0] }, FaxReceivedEvent.fields)
        for pair in pairs {
            let name = pair.components(separatedBy: "=")[0]
            let value = String(pair.dropFirst(name.count + 1))
            XCTAssertEqual(
                value.hasPrefix("${URIENCODE("), FaxReceivedEvent.encodedFields.contains(name),
                "\(name) in the AstDB copy")
        }
    }

    // MARK: Decoder

    /// The decoder reads a FaxReceived fed in every chunking, decodes the free text, and a
    /// station id carrying CR LF and header-like text stays one value.
    func testDecoderReadsTheEventAtEverySplitOffset() throws {
        var expected = FaxReceivedEvent()
        expected.receiveID = "1795906337.3"
        expected.did = "+15551002"
        expected.caller = "5550100\r\nUserEvent: FaxResult"
        expected.remoteStationID = "+1 555\r\n\r\nFile: /etc/passwd"
        expected.pages = 2
        expected.status = "SUCCESS"
        expected.statusString = "OK"
        expected.bitRate = 14400
        expected.resolution = "8031x7700"
        expected.mode = "T38"
        expected.hangupCause = 16
        expected.duration = 31
        expected.file = "/var/spool/faxdrop/receiving/1795906337.3.tif"
        var wire =
            "Asterisk Call Manager/9.0.0\r\nEvent: UserEvent\r\nPrivilege: user,all\r\nUniqueid: 1795906337.3\r\n"
        wire += "UserEvent: FaxReceived\r\n"
        for (name, value) in expected.orderedFields {
            let v = FaxReceivedEvent.encodedFields.contains(name) ? PercentEncoding.encode(value) : value
            wire += "\(name): \(v)\r\n"
        }
        wire += "\r\n"
        let bytes = Array(wire.utf8)
        for split in 0...bytes.count {
            var decoder = AMIDecoder()
            decoder.feed(bytes[..<split])
            var frames = try decoder.frames()
            decoder.feed(bytes[split...])
            frames += try decoder.frames()
            let messages = frames.compactMap { if case .message(let m) = $0 { return m } else { return nil } }
            XCTAssertEqual(messages.count, 1, "split at \(split)")
            XCTAssertEqual(messages.first.flatMap(FaxReceivedEvent.init), expected, "split at \(split)")
        }
        XCTAssertNil(FaxReceivedEvent(AMIMessage(["Event": "UserEvent", "UserEvent": "FaxResult"])))
    }

    func testAStoredCopyDecodesLikeTheEvent() {
        var event = FaxReceivedEvent()
        event.receiveID = "17.4"
        event.caller = "a&b=c%"
        event.error = "The call dropped prematurely"
        event.pages = 1
        event.status = "FAILED"
        XCTAssertEqual(FaxReceivedEvent(stored: StoredResult.encode(event.orderedFields)), event)
    }

    // MARK: Simulator against the captures

    /// The receiving channel's events in `rx_success_2page` (real Asterisk 20): from the
    /// fax's end on, ReceiveFAX, SoftHangupRequest, the hang-up handler's UserEvent, Hangup.
    /// The simulator raises the same sequence, each with the capture's header names (the
    /// UserEvent's own fields aside), over a real AMI connection.
    func testSimulatorRaisesFaxReceivedFramedAsTheCaptures() async throws {
        let captured = try receivingChannelEvents(capture: "rx_success_2page")
        let tail = Array(captured.drop { $0.event != "ReceiveFAX" })
        XCTAssertEqual(tail.map { $0.event ?? "" }, ["ReceiveFAX", "SoftHangupRequest", "UserEvent", "Hangup"])
        let ringing = try receivingChannelEvents(capture: "rx_caller_hangs_up_ringing")
        XCTAssertFalse(ringing.contains { $0.event == "ReceiveFAX" }, "no fax, no ReceiveFAX event")
        XCTAssertEqual(Array(ringing.suffix(2).map { $0.event ?? "" }), ["UserEvent", "Hangup"])

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rxsim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("receiving"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let tiff = directory.appendingPathComponent("sent.tif").path
        let writer = try FaxImageWriter(path: tiff, coding: .g3TwoDimensional)
        let rows = [UInt8](repeating: 0x0F, count: 216 * 64)
        for page in 0..<2 {
            try rows.withUnsafeBytes {
                try writer.appendPage(
                    rows: $0, bytesPerRow: 216, width: 1728, height: 64, resolution: .fine, pageNumber: page,
                    pageCount: 2)
            }
        }
        writer.close()
        var options = Harness.simulatorOptions()
        options.spoolMapping = .init(asterisk: "/var/spool/faxdrop", local: directory.path)
        let simulator = AsteriskSimulator(options: options)
        let port = try await simulator.start()
        defer { Task { await simulator.stop() } }
        let connection = try RawAMIConnection(port: port)
        try connection.login(options.username, options.secret)

        var fax = AsteriskSimulator.InboundFax(
            did: "+15551002", caller: "5550100", remoteStationID: "+1 555 010 0100", tiff: tiff)
        fax.pagesReceived = 1
        fax.failure = "The call dropped prematurely"
        let id = try await simulator.receiveFax(fax)
        let simulated = try connection.events(until: { $0.event == "Hangup" && $0["Uniqueid"] == id })
            .filter { $0["Uniqueid"] == id }
        XCTAssertEqual(
            Array(simulated.drop { $0.event != "ReceiveFAX" }.map { $0.event ?? "" }),
            ["ReceiveFAX", "SoftHangupRequest", "UserEvent", "Hangup"])
        for (real, fake) in zip(tail, simulated.drop { $0.event != "ReceiveFAX" }) {
            let realNames = real.headers.map(\.name).prefix { $0 != "UserEvent" }
            let fakeNames = fake.headers.map(\.name).prefix { $0 != "UserEvent" }
            XCTAssertEqual(Array(fakeNames), Array(realNames), "\(real.event ?? "")")
        }
        let event = try XCTUnwrap(simulated.compactMap(FaxReceivedEvent.init).first)
        XCTAssertEqual(event.pages, 1)
        XCTAssertEqual(event.status, "FAILED")
        XCTAssertEqual(event.error, "The call dropped prematurely")
        XCTAssertEqual(event.file, "/var/spool/faxdrop/receiving/\(id).tif")
        let kept = directory.appendingPathComponent("receiving/\(id).tif").path
        XCTAssertEqual(try FaxImage.inspect(kept).count, 1, "a partial receive keeps the page that came")
        let stored = await simulator.storedReceive(id)
        XCTAssertEqual(stored.map(FaxReceivedEvent.init(stored:)), event)

        // A caller number with CR LF forges header lines in Asterisk's own channel snapshot
        // (CallerIDNum is not encoded there); the FaxReceived fields FaxDrop reads are.
        let hostile = AsteriskSimulator.InboundFax(
            did: "+15551002", caller: "5550100\r\nEvent: Hangup\r\nCaller: 911", remoteStationID: "x\r\nPages: 99",
            tiff: tiff)
        let second = try await simulator.receiveFax(hostile)
        let messages = try connection.events(until: { $0["Cause-txt"] != nil && $0["Uniqueid"] == second })
        let decoded = messages.compactMap(FaxReceivedEvent.init)
        XCTAssertEqual(decoded.count, 1)
        XCTAssertEqual(decoded.first?.caller, "5550100\r\nEvent: Hangup\r\nCaller: 911", "one value, decoded")
        XCTAssertEqual(decoded.first?.remoteStationID, "x\r\nPages: 99")
        XCTAssertEqual(decoded.first?.pages, 2)
        connection.close()
    }

    /// The events of the channel that raised the capture's receive UserEvent (`RxResult`).
    func receivingChannelEvents(capture: String) throws -> [AMIMessage] {
        var decoder = AMIDecoder()
        decoder.feed(try Captures.bytes(capture))
        let messages = try decoder.frames().compactMap { if case .message(let m) = $0 { return m } else { return nil } }
        let report = try XCTUnwrap(messages.first { $0["UserEvent"] == "RxResult" })
        return messages.filter { $0["Uniqueid"] == report["Uniqueid"] && $0.event != nil }
    }
}

/// A plain blocking TCP client for the simulator: what any AMI client sees on the wire.
final class RawAMIConnection {
    let fd: Int32
    var decoder = AMIDecoder()

    init(port: Int) throws {
        fd = try connectToLoopback(port: port)
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func close() { _ = Glibc.close(fd) }

    func send(_ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
    }

    func login(_ user: String, _ secret: String) throws {
        send("Action: Login\r\nUsername: \(user)\r\nSecret: \(secret)\r\n\r\n")
        let replies = try events(until: { $0["Message"] == "Authentication accepted" })
        XCTAssertFalse(replies.isEmpty)
    }

    /// Messages read until one matches `stop` (included), or a 10 s deadline.
    func events(until stop: (AMIMessage) -> Bool) throws -> [AMIMessage] {
        var out: [AMIMessage] = []
        let deadline = Date().addingTimeInterval(10)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while Date() < deadline {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { decoder.feed(buffer[0..<n]) }
            for frame in try decoder.frames() {
                guard case .message(let m) = frame else { continue }
                out.append(m)
                if stop(m) { return out }
            }
            if n == 0 { break }
        }
        XCTFail("no matching message before the deadline")
        return out
    }
}
