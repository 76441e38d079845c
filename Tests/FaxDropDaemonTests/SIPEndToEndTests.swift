import AsteriskSimulator
import FaxDropAMI
import FaxDropCore
import FaxDropDaemon
import FaxDropRenderClient
import Foundation
import Logging
import XCTest

/// The renderer pool as the daemon's renderer (what `faxdrop run` wires up).
private struct PoolRenderer: DocumentRenderer {
    let pool: RenderPool
    func render(_ request: RenderRequest, logger: Logger) async -> RenderReply {
        await pool.render(request, logger: logger)
    }
}

/// `FAX_BACKEND=sip` end to end: files dropped in the spool are rendered by the real
/// `faxdrop-render`, sent through `SIPBackend` over TCP to the simulated Asterisk (which
/// checks the TIFF as spandsp does), and end in sidecars.
final class SIPEndToEndTests: XCTestCase {
    func testDroppedFilesAreFaxedThroughSimulatedAsterisk() async throws {
        let spool = try TestSpool()
        var options = AsteriskSimulator.Options()
        options.username = "faxdrop"
        options.secret = "e2e-ami-secret"
        options.timeScale = 0.005
        let simulator = AsteriskSimulator(options: options, logger: testLogger())
        let port = try await simulator.start()  // 127.0.0.1, a free port

        let settings = [
            "FAX_BACKEND": "sip", "ASTERISK_AMI_HOST": "127.0.0.1", "ASTERISK_AMI_PORT": "\(port)",
            "ASTERISK_AMI_USERNAME": "faxdrop", "ASTERISK_AMI_PASSWORD": "e2e-ami-secret",
            "FAXDROP_MAX_ATTEMPTS": "1", "FAX_HEADER": "FaxDrop, end to end",
        ]
        let configuration = try spool.configuration(settings)
        let backend = SIPBackend(configuration: configuration, logger: testLogger())
        await backend.start()
        let connected = await backend.waitUntilConnected(timeout: .seconds(10))
        XCTAssertTrue(connected)
        let pool = RenderPool(
            executable: RenderPool.defaultExecutable(), workers: 1, timeout: .seconds(60), logger: testLogger())
        addTeardownBlock {
            await backend.shutdown()
            await pool.shutdown()
            await simulator.stop()
        }
        _ = try await startDaemon(spool, settings, renderer: PoolRenderer(pool: pool), backend: backend)

        let longText = (1...160).map { "Line \($0) of a letter long enough for three fax pages." }.joined(
            separator: "\n")
        try spool.write(Array("A one-page fax through Asterisk.\n".utf8), to: "+15551230001/hello.txt")
        try spool.write(Array("Nobody answers this line.\n".utf8), to: "+15550100486/busy.txt")
        try spool.write(Array(longText.utf8), to: "+15550100488/drop.txt")

        let sidecars = try await spool.waitForSidecars(3, timeout: 90)
        let byName = Dictionary(uniqueKeysWithValues: sidecars.map { ($0.document.originalName, $0) })

        let hello = try XCTUnwrap(byName["hello.txt"])
        XCTAssertEqual(hello.status, .sent)
        XCTAssertEqual(hello.pages.sent, hello.pages.total)
        XCTAssertEqual(hello.attempts.count, 1)
        XCTAssertEqual(hello.attempts.first?.details.faxStatus, "SUCCESS")
        XCTAssertEqual(hello.attempts.first?.details.mode, "T38")
        XCTAssertEqual(hello.attempts.first?.details.channelUniqueID, "fax-\(hello.jobID.value)-1")

        let busy = try XCTUnwrap(byName["busy.txt"])
        XCTAssertEqual(busy.status, .failed)
        XCTAssertEqual(busy.error?.code, .busy)
        XCTAssertEqual(busy.attempts.first?.details.dialStatus, "BUSY")
        XCTAssertEqual(busy.attempts.first?.details.hangupCause, 17)

        let drop = try XCTUnwrap(byName["drop.txt"])
        XCTAssertEqual(drop.status, .failed)
        XCTAssertEqual(drop.error?.code, .faxTransferFailed)
        XCTAssertGreaterThanOrEqual(drop.pages.total, 2)
        XCTAssertEqual(drop.attempts.first?.pagesSent, 1)
        XCTAssertEqual(drop.attempts.first?.details.statusString, "The call dropped prematurely")

        // What Asterisk was asked to send is the TIFF the daemon rendered, and the header survived its comma.
        let originates = await simulator.originates
        XCTAssertEqual(originates.count, 3)
        for o in originates {
            XCTAssertTrue(o.variables["FAXFILE"]?.hasSuffix("/fax.tif") == true)
            XCTAssertEqual(PercentEncoding.decode(o.variables["FAXDROP_HEADER"] ?? ""), "FaxDrop, end to end")
        }
        try TestSpool.assertValid(spool.sidecars().done + spool.sidecars().failed)
    }
}
