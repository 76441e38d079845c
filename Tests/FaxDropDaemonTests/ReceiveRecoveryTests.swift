import AsteriskSimulator
import FaxDropAMI
import FaxDropCore
import FaxDropDaemon
import FaxDropFaxImage
import FaxDropSystem
import Foundation
import XCTest

/// Never lose a received fax (SPEC §10, issue 10 step 5): the real `faxdrop run` with the
/// SIP backend against the simulated Asterisk, killed with `kill -9` while several faxes
/// arrive, and cut off from AMI while others do. Every receive ends as exactly one
/// sidecar (with its PDF), Asterisk's TIFFs are gone, and so are the AstDB copies.
final class ReceiveRecoveryTests: XCTestCase {
    func daemonProcess(_ spool: TestSpool, port: Int) throws -> Process {
        try runFaxdrop(
            spool,
            [
                "FAX_BACKEND": "sip", "ASTERISK_AMI_HOST": "127.0.0.1", "ASTERISK_AMI_PORT": "\(port)",
                "ASTERISK_AMI_USERNAME": "faxdrop", "ASTERISK_AMI_PASSWORD": "faxdrop-secret",
                "FAXDROP_HTTP": "false", "FAXDROP_RESCAN_SECONDS": "0", "FAXDROP_LOG_LEVEL": "warning",
            ])
    }

    /// A spool in a fresh folder (removed when the test ends) and a simulated Asterisk whose
    /// spool paths map onto it, with its AMI port.
    func spoolAndSimulator() async throws -> (TestSpool, AsteriskSimulator, Int) {
        let spool = try TestSpool()
        addTeardownBlock {
            try? FileManager.default.removeItem(atPath: (spool.root as NSString).deletingLastPathComponent)
        }
        var options = AsteriskSimulator.Options()
        options.timeScale = 1
        options.interleaveForeignEvents = false
        options.spoolMapping = .init(asterisk: "/var/spool/faxdrop", local: spool.root)
        let simulator = AsteriskSimulator(options: options)
        let port = try await simulator.start()
        addTeardownBlock { await simulator.stop() }
        return (spool, simulator, port)
    }

    /// Asterisk stopped during a call (no event, no AstDB copy): once the copies were all
    /// read after the login, a received file older than FAXDROP_INCOMING_ORPHAN_MINUTES is
    /// landed on its own (incoming/unknown/, partial); a recent one is left for its result;
    /// an old one whose copy is in AstDB is landed from the copy, with its DID.
    func testOldReceivedFilesWithoutAResultAreLandedAfterAstDBWasRead() async throws {
        let (spool, simulator, port) = try await spoolAndSimulator()
        let sent = try writeReceivedFax(
            at: (spool.root as NSString).deletingLastPathComponent + "/sender-2.tif", pages: 2)
        let withCopy = try await simulator.receiveFax(
            .init(did: "+15551031", caller: "5550100", remoteStationID: "C", tiff: sent))
        let orphan = spool.spool.receiving + "/1700000000.7.tif"
        let recent = spool.spool.receiving + "/1700000000.8.tif"
        for path in [orphan, recent] { try FileManager.default.copyItem(atPath: sent, toPath: path) }
        let old = Date().addingTimeInterval(-7200)
        for path in [orphan, spool.spool.receiving + "/\(withCopy).tif"] {
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: path)
        }
        _ = try daemonProcess(spool, port: port)
        try await waitFor("two landings", timeout: 30) { receivedSidecarFiles(spool).map(\.sidecar).count == 2 }
        let sidecars = receivedSidecarFiles(spool).map(\.sidecar)
        let lost = try XCTUnwrap(sidecars.first { $0.receiveID == "1700000000.7" })
        XCTAssertEqual(lost.folder, "unknown")
        XCTAssertEqual(lost.status, .partial)
        XCTAssertEqual(lost.pages.received, 2)
        XCTAssertEqual(sidecars.first { $0.receiveID == withCopy }?.folder, "+15551031")
        try await Task.sleep(for: .milliseconds(300))
        XCTAssertEqual(receivedSidecarFiles(spool).map(\.sidecar).count, 2)
        XCTAssertNotNil(try Syscall.lstatIfExists(recent), "a recent file waits for its result")
    }

    func testKill9WhileFaxesArriveAndAnAMIOutageLoseNothing() async throws {
        let (spool, simulator, port) = try await spoolAndSimulator()
        let sent = try writeReceivedFax(
            at: (spool.root as NSString).deletingLastPathComponent + "/sender-2.tif", pages: 2)
        var daemon = try daemonProcess(spool, port: port)
        try await waitFor("the daemon's AMI login", timeout: 30) { await simulator.connectedSessions > 0 }

        // One fax lands normally; then four arrive together, ending 0.2 … 1.4 s from now,
        // and the daemon is killed at 0.5 s: some were reported to it, some were being
        // landed, some end while it is dead.
        let dids = ["+15551002", "+15551003", "15551004", "+15551005", "+15551006"]
        // Event to PDF: from just before the simulated Asterisk writes the TIFF and raises the
        // UserEvent to the PDF's rename into incoming/ (polled every millisecond), over the
        // real AMI socket: an upper bound of the event-to-rename time.
        var timings: [Double] = []
        for did in ["+15551091", "+15551092", "+15551093"] {
            let raised = Date()
            let id = try await simulator.receiveFax(
                .init(did: did, caller: "5550100", remoteStationID: "A", tiff: sent))
            XCTAssertFalse(id.isEmpty)
            let folder = spool.spool.incoming + "/" + did
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline,
                ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).allSatisfy({
                    !$0.hasSuffix(".pdf")
                })
            {
                try await Task.sleep(for: .milliseconds(1))
            }
            timings.append(Date().timeIntervalSince(raised) * 1000)
        }
        print("receive timing: event to PDF rename (ms): \(timings.map { String(format: "%.1f", $0) })")
        try await waitFor("the first landings", timeout: 20) { receivedSidecarFiles(spool).map(\.sidecar).count == 3 }
        try await simulator.receiveFax(.init(did: dids[0], caller: "5550100", remoteStationID: "A", tiff: sent))
        try await waitFor("the fourth landing", timeout: 20) { receivedSidecarFiles(spool).map(\.sidecar).count == 4 }
        let arriving = Task {
            try await withThrowingTaskGroup(of: String.self) { group in
                for (n, did) in dids[1...].enumerated() {
                    group.addTask {
                        var fax = AsteriskSimulator.InboundFax(
                            did: did, caller: "555010\(n)", remoteStationID: "S\(n)", tiff: sent)
                        fax.seconds = 0.2 + 0.4 * Double(n)
                        if n == 3 {
                            fax.pagesReceived = 1
                            fax.failure = "The call dropped prematurely"
                        }
                        return try await simulator.receiveFax(fax)
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
        }
        try await Task.sleep(for: .milliseconds(500))
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
        let ids = try await arriving.value
        XCTAssertEqual(ids.count, 4)

        // While it is down, Asterisk's manager goes away too, and one more fax arrives.
        await simulator.pauseManager()
        daemon = try daemonProcess(spool, port: port)
        try await simulator.receiveFax(.init(did: "+15551007", caller: "5550199", remoteStationID: "Z", tiff: sent))
        try await Task.sleep(for: .milliseconds(300))
        try await simulator.resumeManager()

        try await waitFor("nine received faxes", timeout: 30) { receivedSidecarFiles(spool).map(\.sidecar).count >= 9 }
        try await waitFor("the AstDB copies deleted", timeout: 20) {
            await simulator.databaseKeys.filter { $0.hasPrefix(FaxReceivedEvent.databaseFamily + "/") }.isEmpty
        }
        try await Task.sleep(for: .milliseconds(300))
        let sidecars = receivedSidecarFiles(spool).map(\.sidecar)
        XCTAssertEqual(sidecars.count, 9, "each receive exactly once")
        XCTAssertEqual(Set(sidecars.compactMap(\.receiveID)).count, 9)
        XCTAssertEqual(sidecars.filter { $0.status == .received }.count, 8)
        XCTAssertEqual(sidecars.filter { $0.status == .partial }.map(\.pages.received), [1])
        for sidecar in sidecars {
            let pdf = spool.spool.incoming + "/" + sidecar.folder + "/" + (sidecar.document.storedAs ?? "-")
            XCTAssertNotNil(try Syscall.lstatIfExists(pdf), pdf)
        }
        let left = try Syscall.listDirectory(spool.spool.receiving).filter { $0.hasSuffix(".tif") }
        XCTAssertEqual(left, [], "every Asterisk-side TIFF removed once landed")
        let folders = try FileManager.default.contentsOfDirectory(atPath: spool.spool.incoming)
        let paths = folders.flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: spool.spool.incoming + "/" + folder)) ?? [])
                .filter { $0.hasSuffix(".json") }.map { spool.spool.incoming + "/" + folder + "/" + $0 }
        }
        try TestSpool.assertValid(paths)
    }
}
