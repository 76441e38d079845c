import FaxDropAMI
import FaxDropCore
import FaxDropDaemon
import FaxDropFaxImage
import FaxDropSystem
import Foundation
import Logging
import XCTest

/// Landing a received fax (SPEC §10, issue 10 step 3) on a real spool: a real G3 TIFF as
/// spandsp writes it, the PDF beside a schema-valid sidecar, group-readable only, names from
/// the validated DID and FaxDrop's id alone, Asterisk's TIFF removed only at the end.
final class ReceiveLanderTests: XCTestCase {
    var spool: TestSpool!

    override func setUpWithError() throws {
        spool = try TestSpool()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: (spool.root as NSString).deletingLastPathComponent)
    }

    /// A spandsp-like received file: G3 2-D, FillOrder 2, `pages` pages with some black.
    func writeReceived(_ receiveID: String, pages: Int) throws -> String {
        let path = spool.spool.receiving + "/" + receiveID + ".tif"
        let writer = try FaxImageWriter(path: path, coding: .g3TwoDimensional)
        for page in 0..<pages {
            var bits = [UInt8](repeating: 0, count: 216 * 400)
            for y in 0..<400 where y % 9 < 4 { for x in (20 + page * 3)..<(120 + y % 50) { bits[y * 216 + x] = 0xA5 } }
            try bits.withUnsafeBytes {
                try writer.appendPage(
                    rows: $0, bytesPerRow: 216, width: 1728, height: 400, resolution: page == 1 ? .normal : .fine,
                    pageNumber: page, pageCount: pages)
            }
        }
        writer.close()
        return path
    }

    func event(_ receiveID: String, did: String, caller: String, station: String, pages: Int, status: String)
        -> FaxReceivedEvent
    {
        var e = FaxReceivedEvent()
        e.receiveID = receiveID
        e.did = did
        e.caller = caller
        e.remoteStationID = station
        e.pages = pages
        e.status = status
        e.statusString = status == "SUCCESS" ? "OK" : "The call dropped prematurely"
        e.error = status == "SUCCESS" ? nil : "The call dropped prematurely"
        e.mode = "T38"
        e.bitRate = 14400
        e.hangupCause = 16
        e.duration = 31
        e.file = "/var/spool/faxdrop/receiving/\(receiveID).tif"
        return e
    }

    func testAReceivedFaxLandsAsPDFAndSidecarAndTheTIFFGoesLast() throws {
        let tiff = try writeReceived("1795906337.3", pages: 2)
        let tiffSize = try Syscall.lstat(tiff).size
        let landed = try XCTUnwrap(
            ReceiveLander(spool: spool.spool).land(
                event(
                    "1795906337.3", did: "+15551002", caller: "5550100", station: "+1 555 010 0100", pages: 2,
                    status: "SUCCESS"),
                logger: testLogger()))
        let sidecar = landed.sidecar
        XCTAssertEqual(sidecar.status, .received)
        XCTAssertEqual(sidecar.pages, .init(received: 2, reported: 2))
        XCTAssertEqual(sidecar.folder, "+15551002")
        XCTAssertEqual(sidecar.fax.resolution, "fine")
        XCTAssertEqual(sidecar.document.tiffBytes, tiffSize)
        let pdf = try XCTUnwrap(landed.pdfPath)
        XCTAssertEqual(pdf, spool.spool.incoming + "/+15551002/\(sidecar.id.value).pdf")
        XCTAssertEqual(landed.sidecarPath, spool.spool.incoming + "/+15551002/\(sidecar.id.value).json")
        XCTAssertNil(try Syscall.lstatIfExists(tiff), "Asterisk's TIFF is removed once the PDF and sidecar exist")
        XCTAssertEqual(
            try Syscall.listDirectory(spool.spool.receiving), ["1795906337.3.json"], "only the landed marker")
        XCTAssertNil(
            try ReceiveLander(spool: spool.spool).land(
                event("1795906337.3", did: "+15551002", caller: "5550100", station: "", pages: 2, status: "SUCCESS"),
                logger: testLogger()), "reported again (event and AstDB copy): landed once")
        // Group-readable only, folders too.
        for path in [pdf, landed.sidecarPath] { XCTAssertEqual(try Syscall.lstat(path).mode & 0o777 & ~0o640, 0, path) }
        XCTAssertEqual(try Syscall.lstat(spool.spool.incoming + "/+15551002").mode & 0o007, 0)
        XCTAssertEqual(try Syscall.lstat(spool.spool.incoming).mode & 0o007, 0)
        XCTAssertEqual(
            try Syscall.lstat(spool.spool.receiving).mode & 0o7777, 0o2770, "Asterisk's group writes, nobody else reads"
        )
        // The PDF is the data, not a re-encoding: within a few percent of the TIFF.
        let pdfSize = try Syscall.lstat(pdf).size
        XCTAssertLessThan(
            abs(Double(pdfSize - tiffSize)) / Double(tiffSize), 0.25, "PDF \(pdfSize) vs TIFF \(tiffSize)")
        XCTAssertEqual(sidecar.document.sha256, SHA256.hex(try AtomicFile.read(pdf)))
        try TestSpool.assertValid([landed.sidecarPath])
    }

    /// The caller controls the DID, the caller number and the station id: none reaches a
    /// path; the text reaching the sidecar and the log is printable and bounded.
    func testHostileLineTextNeverReachesAPathAndIsSanitised() throws {
        _ = try writeReceived("1795906337.9", pages: 1)
        let capture = LogLines()
        var e = event(
            "1795906337.9", did: "../../etc", caller: "555\r\n\u{1B}[31mroot\u{0}" + String(repeating: "9", count: 200),
            station: "../x\nINFO fake line", pages: 1, status: "SUCCESS")
        e.file = "/etc/passwd"
        let landed = try XCTUnwrap(ReceiveLander(spool: spool.spool).land(e, logger: capture.logger))
        XCTAssertEqual(landed.sidecar.folder, "unknown")
        XCTAssertNil(landed.sidecar.did)
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.incoming), ["unknown"])
        XCTAssertFalse(landed.sidecar.caller.contains("\n"))
        XCTAssertFalse(landed.sidecar.caller.unicodeScalars.contains { $0.value < 0x20 || $0.value >= 0x7F })
        XCTAssertLessThanOrEqual(landed.sidecar.caller.count, 32)
        XCTAssertEqual(landed.sidecar.remoteStationID, "../xINFO fake line")
        XCTAssertEqual(landed.sidecar.pages.received, 1, "the file came from receiving/<receive id>.tif, not File:")
        let lines = capture.lines
        XCTAssertEqual(lines.count, 1, "one line per receive, no forged ones: \(lines)")
        for line in lines { XCTAssertFalse(line.contains("INFO fake") && !line.contains("remote_station_id"), line) }
        XCTAssertTrue(lines.contains { $0.contains(landed.sidecar.id.value) }, "log lines carry the id")
        try TestSpool.assertValid([landed.sidecarPath])

        // A receive id that is not Asterisk's shape is never used as a name.
        var forged = event("../../tmp/x", did: "+15551002", caller: "1", station: "", pages: 0, status: "FAILED")
        forged.file = nil
        let failed = try XCTUnwrap(ReceiveLander(spool: spool.spool).land(forged, logger: testLogger()))
        XCTAssertNil(failed.sidecar.receiveID)
        XCTAssertEqual(failed.sidecar.status, .failed)
        try TestSpool.assertValid([failed.sidecarPath])
    }

    /// Sender hung up during page 2: the page that came is kept and the sidecar says so;
    /// a call that brought no page still gets a sidecar.
    func testPartialAndFailedReceivesGetSidecars() throws {
        _ = try writeReceived("100.1", pages: 1)
        let partial = try XCTUnwrap(
            ReceiveLander(spool: spool.spool).land(
                event("100.1", did: "15551002", caller: "5550100", station: "S", pages: 1, status: "FAILED"),
                logger: testLogger()))
        XCTAssertEqual(partial.sidecar.status, .partial)
        XCTAssertEqual(partial.sidecar.pages.received, 1)
        XCTAssertEqual(partial.sidecar.error?.code, .faxTransferFailed)
        XCTAssertNotNil(partial.pdfPath)

        var notFax = event("100.2", did: "15551002", caller: "5550100", station: "", pages: 0, status: "FAILED")
        notFax.error = "T38_NEG_ERROR"
        notFax.mode = nil
        notFax.file = nil
        let failed = try XCTUnwrap(ReceiveLander(spool: spool.spool).land(notFax, logger: testLogger()))
        XCTAssertEqual(failed.sidecar.status, .failed)
        XCTAssertEqual(failed.sidecar.error?.code, .faxNegotiationFailed)
        XCTAssertNil(failed.pdfPath)
        XCTAssertNil(failed.sidecar.document.storedAs)
        try TestSpool.assertValid([partial.sidecarPath, failed.sidecarPath])
    }

    func testKeepTIFFPutsItBesideThePDF() throws {
        _ = try writeReceived("200.1", pages: 1)
        let landed = try XCTUnwrap(
            ReceiveLander(spool: spool.spool, keepTIFF: true).land(
                event("200.1", did: "+15551002", caller: "1", station: "", pages: 1, status: "SUCCESS"),
                logger: testLogger()))
        let kept = spool.spool.incoming + "/+15551002/" + landed.sidecar.id.value + ".tif"
        XCTAssertEqual(try FaxImage.inspect(kept).count, 1)
        XCTAssertEqual(landed.sidecar.document.tiff, landed.sidecar.id.value + ".tif")
        try TestSpool.assertValid([landed.sidecarPath])
    }

    /// Something other than a regular file where the received TIFF should be (a link to
    /// /etc/passwd) is never read through, never kept beside the PDF, and removed.
    func testALinkInReceivingIsRemovedNeverFollowedOrKept() throws {
        let link = spool.spool.receiving + "/400.1.tif"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/etc/passwd")
        let landed = try XCTUnwrap(
            ReceiveLander(spool: spool.spool, keepTIFF: true).land(
                event("400.1", did: "+15551002", caller: "1", station: "", pages: 1, status: "SUCCESS"),
                logger: testLogger()))
        XCTAssertEqual(landed.sidecar.status, .failed)
        XCTAssertNil(landed.sidecar.document.tiff)
        XCTAssertEqual(landed.sidecar.document.tiffBytes, 0)
        XCTAssertNil(try Syscall.lstatIfExists(link))
        XCTAssertEqual(
            try Syscall.listDirectory(spool.spool.incoming + "/+15551002").filter { !$0.hasSuffix(".json") }, [])
        XCTAssertNotNil(try Syscall.lstatIfExists("/etc/passwd"))
        try TestSpool.assertValid([landed.sidecarPath])
    }

    /// A crash after the PDF but before the TIFF went: landing the same receive again
    /// (from the event or the AstDB copy) finishes it under the same id, not as a second fax.
    func testLandingTwiceAfterACrashGivesOneFax() throws {
        let tiff = try writeReceived("300.1", pages: 1)
        let e = event("300.1", did: "+15551002", caller: "1", station: "", pages: 1, status: "SUCCESS")
        // The journal of an interrupted landing, as the first step wrote it.
        let first = try XCTUnwrap(ReceiveLander(spool: spool.spool, keepTIFF: true).land(e, logger: testLogger()))
        try Syscall.rename(spool.spool.incoming + "/+15551002/" + first.sidecar.id.value + ".tif", tiff)
        let journal =
            "{\"id\":\"\(first.sidecar.id.value)\",\"receivedAt\":\"2026-11-29T00:00:00.000Z\",\"event\":\"ReceiveID=300.1\"}"
        try AtomicFile.write(
            Array(journal.utf8), to: spool.spool.receiving + "/300.1.json", stagingDirectory: spool.spool.tmp)
        XCTAssertEqual(ReceiveLander(spool: spool.spool).interrupted("300.1")?.receiveID, "300.1")
        let second = try XCTUnwrap(try ReceiveLander(spool: spool.spool).land(e, logger: testLogger()))
        XCTAssertEqual(second.sidecar.id, first.sidecar.id)
        XCTAssertEqual(
            try Syscall.listDirectory(spool.spool.incoming + "/+15551002").filter { $0.hasSuffix(".json") }.count, 1)
        XCTAssertNil(try Syscall.lstatIfExists(tiff))
    }

    /// Two Asterisk nodes can hand out one UNIQUEID: with nodes, a receive is its node and its
    /// id together. Node b's file is read from b's own folder; each lands once, its sidecar
    /// names its node, and a single node's sidecar names none.
    func testTheSameReceiveIDOnTwoNodesIsTwoFaxes() throws {
        let folderB = spool.spool.receiving + "/b"
        try Syscall.mkdirIfNeeded(folderB)
        _ = try writeReceived("400.1", pages: 1)
        try Syscall.rename(spool.spool.receiving + "/400.1.tif", folderB + "/400.1.tif")
        _ = try writeReceived("400.1", pages: 2)
        let lander = ReceiveLander(spool: spool.spool)
        let onA = event("400.1", did: "+15551002", caller: "1", station: "", pages: 2, status: "SUCCESS")
        let onB = event("400.1", did: "+15551003", caller: "2", station: "", pages: 1, status: "SUCCESS")
        let a = try XCTUnwrap(lander.land(onA, from: .init(node: "a"), logger: testLogger()))
        let b = try XCTUnwrap(lander.land(onB, from: .init(node: "b", receivingDir: folderB), logger: testLogger()))
        XCTAssertNotEqual(a.sidecar.id, b.sidecar.id)
        XCTAssertEqual([a.sidecar.node, b.sidecar.node], ["a", "b"])
        XCTAssertEqual([a.sidecar.pages.received, b.sidecar.pages.received], [2, 1], "each from its own folder")
        XCTAssertNotNil(try Syscall.lstatIfExists(spool.spool.receiving + "/a@400.1.json"))
        XCTAssertNotNil(try Syscall.lstatIfExists(spool.spool.receiving + "/b@400.1.json"))
        // Reported again (the event and then the AstDB copy): nothing more lands.
        XCTAssertNil(try lander.land(onB, from: .init(node: "b", receivingDir: folderB), logger: testLogger()))
        XCTAssertNil(try lander.land(onA, from: .init(node: "a"), logger: testLogger()))
        XCTAssertNil(try Syscall.lstatIfExists(folderB + "/400.1.tif"))
        XCTAssertNil(try Syscall.lstatIfExists(spool.spool.receiving + "/400.1.tif"))
        XCTAssertTrue(ReceiveLander.parseJournalName("b@400.1.json")! == ("b", "400.1"))
        XCTAssertTrue(ReceiveLander.parseJournalName("400.1.json")! == (nil, "400.1"))
        XCTAssertNil(ReceiveLander.parseJournalName("@400.1.json"))
        XCTAssertNil(ReceiveLander.parseJournalName("b@x.json"))

        // One node (no name): no node in the sidecar, and the schema takes both.
        _ = try writeReceived("400.2", pages: 1)
        let single = try XCTUnwrap(
            lander.land(
                event("400.2", did: "+15551004", caller: "3", station: "", pages: 1, status: "SUCCESS"),
                logger: testLogger()))
        XCTAssertNil(single.sidecar.node)
        let json = try String(contentsOfFile: single.sidecarPath, encoding: .utf8)
        XCTAssertFalse(json.contains("\"node\""), json)
        try TestSpool.assertValid([a.sidecarPath, b.sidecarPath, single.sidecarPath])
    }
}

/// Log lines as the daemon's handler formats them, through a real file descriptor.
final class LogLines: @unchecked Sendable {
    let path = NSTemporaryDirectory() + "rx-log-\(UUID().uuidString)"
    let fd: Int32
    init() { fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600) }
    deinit {
        close(fd)
        unlink(path)
    }
    var lines: [String] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: true).map { String($0) + "\n" }
    }
    var logger: Logger {
        let handler = FaxDropLogHandler(label: "rx", format: .text, level: .info, secrets: [], sink: .init(fd: fd))
        var logger = Logger(label: "rx") { _ in handler }
        logger.logLevel = .info
        return logger
    }
}
