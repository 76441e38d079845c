import AsteriskSimulator
import FaxDropAMI
import FaxDropCore
import FaxDropFaxImage
import FaxDropSystem
import Foundation
import XCTest

/// Issue 14, receiving: with `FAXDROP_ASTERISK_NODES` every node's trunk receives. The real
/// `faxdrop run` against two simulated Asterisk nodes over loopback AMI: a fax that comes in
/// on the second node lands with one sidecar naming that node; the same UNIQUEID on both
/// nodes is two faxes; with node a killed, node b still receives, and a fax a took while
/// FaxDrop could not reach it lands from its AstDB copy once a is back.
final class ReceiveNodesTests: XCTestCase {

    func testEveryNodeReceivesEachFaxLandsOnceAndNamesItsNode() async throws {
        let spool = try TestSpool()
        let folder = (spool.root as NSString).deletingLastPathComponent
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        let sent = try writeReceivedFax(at: folder + "/sender-2.tif", pages: 2)

        // Node a writes into the spool's receiving/ (the default); node b into its own folder.
        try FileManager.default.createDirectory(
            atPath: spool.spool.receiving + "/b", withIntermediateDirectories: true)
        var simulators: [String: AsteriskSimulator] = [:]
        var ports: [String: Int] = [:]
        for name in ["a", "b"] {
            var options = AsteriskSimulator.Options()
            options.timeScale = 1
            options.interleaveForeignEvents = false
            options.secret = "secret-\(name)"
            options.spoolMapping = .init(asterisk: "/var/spool/faxdrop", local: spool.root)
            if name == "b" { options.receivingDirectory = "/var/spool/faxdrop/receiving/b" }
            let simulator = AsteriskSimulator(options: options)
            ports[name] = try await startBelowEphemeralPorts(simulator)
            simulators[name] = simulator
            addTeardownBlock { await simulator.stop() }
        }
        let a = simulators["a"]!
        let b = simulators["b"]!
        let nodesFile = folder + "/nodes"
        try """
        [a]
        host = 127.0.0.1
        port = \(ports["a"]!)
        secret = secret-a
        max_channels = 2

        [b]
        host = 127.0.0.1
        port = \(ports["b"]!)
        secret = secret-b
        max_channels = 2
        receiving_dir = \(spool.spool.receiving)/b
        """.write(toFile: nodesFile, atomically: true, encoding: .utf8)
        _ = try runFaxdrop(
            spool,
            [
                "FAX_BACKEND": "sip", "FAXDROP_ASTERISK_NODES": nodesFile, "FAXDROP_HTTP": "false",
                "FAXDROP_RESCAN_SECONDS": "0", "FAXDROP_LOG_LEVEL": "warning",
            ])
        try await waitFor("both nodes' AMI logins", timeout: 30) {
            let (onA, onB) = (await a.connectedSessions, await b.connectedSessions)
            return onA > 0 && onB > 0
        }

        // 1. A fax on the second node lands, once, naming b.
        var onB = AsteriskSimulator.InboundFax(did: "+15551201", caller: "5550101", remoteStationID: "B", tiff: sent)
        onB.uniqueID = "1764400000.1"
        try await b.receiveFax(onB)
        try await waitFor("the fax received on b", timeout: 20) { receivedSidecarFiles(spool).count == 1 }
        let first = try XCTUnwrap(receivedSidecarFiles(spool).first?.sidecar)
        XCTAssertEqual(first.node, "b")
        XCTAssertEqual(first.receiveID, "1764400000.1")
        XCTAssertEqual(first.folder, "+15551201")
        XCTAssertEqual(first.status, .received)
        XCTAssertEqual(first.pages.received, 2)

        // 2. The same UNIQUEID on node a is another fax: it lands too, beside b's.
        var onA = AsteriskSimulator.InboundFax(did: "+15551202", caller: "5550102", remoteStationID: "A", tiff: sent)
        onA.uniqueID = "1764400000.1"
        try await a.receiveFax(onA)
        try await waitFor("the fax received on a with b's id", timeout: 20) { receivedSidecarFiles(spool).count == 2 }
        let sameID = receivedSidecarFiles(spool).map(\.sidecar)
        XCTAssertEqual(Set(sameID.map(\.node)), ["a", "b"])
        XCTAssertEqual(Set(sameID.compactMap(\.receiveID)), ["1764400000.1"])
        XCTAssertEqual(sameID.first { $0.node == "a" }?.folder, "+15551202")
        XCTAssertEqual(sameID.first { $0.node == "a" }?.status, .received)

        // 3. Node a is killed: b still receives. a takes a fax while FaxDrop cannot reach it
        //    (its AstDB keeps the copy); once a is back the copy is landed, naming a.
        await a.stop()
        try await waitFor("a's session gone", timeout: 10) { await a.connectedSessions == 0 }
        var whileADown = AsteriskSimulator.InboundFax(
            did: "+15551203", caller: "5550103", remoteStationID: "B2", tiff: sent)
        whileADown.uniqueID = "1764400000.2"
        try await b.receiveFax(whileADown)
        var missed = AsteriskSimulator.InboundFax(
            did: "+15551204", caller: "5550104", remoteStationID: "A2", tiff: sent)
        missed.uniqueID = "1764400000.2"
        try await a.receiveFax(missed)
        try await waitFor("b's fax while a is down", timeout: 20) {
            receivedSidecarFiles(spool).contains { $0.sidecar.folder == "+15551203" }
        }
        XCTAssertEqual(receivedSidecarFiles(spool).count, 3, "a's fax waits in a's AstDB while a is unreachable")
        XCTAssertEqual(receivedSidecarFiles(spool).first { $0.sidecar.folder == "+15551203" }?.sidecar.node, "b")

        let restartDeadline = ContinuousClock.now + .seconds(10)
        while true {
            do {
                _ = try await a.start(port: ports["a"]!)
                break
            } catch  where ContinuousClock.now < restartDeadline {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        try await waitFor("a's copy landed after it came back", timeout: 30) { receivedSidecarFiles(spool).count == 4 }
        try await waitFor("the AstDB copies deleted on both nodes", timeout: 20) {
            let family = FaxReceivedEvent.databaseFamily + "/"
            let keys = await a.databaseKeys + b.databaseKeys
            return keys.filter { $0.hasPrefix(family) }.isEmpty
        }
        try await Task.sleep(for: .milliseconds(300))

        let all = receivedSidecarFiles(spool)
        XCTAssertEqual(all.count, 4, "each receive exactly once")
        XCTAssertEqual(all.first { $0.sidecar.folder == "+15551204" }?.sidecar.node, "a")
        XCTAssertEqual(Set(all.map(\.sidecar.id)).count, 4)
        XCTAssertEqual(
            Dictionary(grouping: all.map(\.sidecar), by: { $0.node ?? "-" }).mapValues(\.count), ["a": 2, "b": 2])
        for (_, sidecar) in all {
            XCTAssertEqual(sidecar.status, .received)
            XCTAssertEqual(sidecar.pages.received, 2)
            let pdf = spool.spool.incoming + "/" + sidecar.folder + "/" + (sidecar.document.storedAs ?? "-")
            XCTAssertNotNil(try Syscall.lstatIfExists(pdf), pdf)
        }
        for receiving in [spool.spool.receiving, spool.spool.receiving + "/b"] {
            let left = try Syscall.listDirectory(receiving).filter { $0.hasSuffix(".tif") }
            XCTAssertEqual(left, [], "every TIFF in \(receiving) removed once landed")
        }
        try TestSpool.assertValid(all.map(\.path))
    }
}
