import AsteriskSimulator
import FaxDropCore
import FaxDropDiagnostics
import FaxDropHTTP
import Foundation
import Logging
import XCTest

/// `faxdrop check` against the simulated Asterisk: each module FaxDrop's dialplan needs and
/// Asterisk did not load is a problem, by name (issue 15).
final class DiagnosticsModulesTests: XCTestCase {
    func findings(removing modules: [String]) async throws -> [Diagnostics.Finding] {
        var options = AsteriskSimulator.Options()
        options.secret = "check-secret-123"
        options.timeScale = 0.01
        options.loadedModules.subtract(modules)
        let simulator = AsteriskSimulator(
            options: options, logger: Logger(label: "sim") { _ in SwiftLogNoOpLogHandler() })
        let port = try await simulator.start()
        defer { Task { await simulator.stop() } }
        let spool = try HTTPTestSpool()
        var diagnostics = Diagnostics(
            configuration: try spool.configuration([
                "FAX_BACKEND": "sip", "ASTERISK_AMI_HOST": "127.0.0.1", "ASTERISK_AMI_PORT": "\(port)",
                "ASTERISK_AMI_USERNAME": "faxdrop", "ASTERISK_AMI_PASSWORD": "check-secret-123",
            ]), executableDirectory: spool.base)
        diagnostics.amiTimeout = .seconds(5)
        let found = await diagnostics.run()
        await simulator.stop()
        return found
    }

    func testCheckNamesTheMissingChannelDriver() async throws {
        let found = try await findings(removing: ["chan_pjsip", "res_fax_spandsp"])
        let modules = found.filter { $0.check == "modules" }
        XCTAssertEqual(modules.map(\.level), [.problem, .problem], Diagnostics.report(found))
        XCTAssertTrue(modules[0].detail.hasPrefix("chan_pjsip is not loaded"), modules[0].detail)
        XCTAssertTrue(modules[1].detail.hasPrefix("res_fax_spandsp is not loaded"), modules[1].detail)
        let report = Diagnostics.report(found)
        XCTAssertTrue(report.contains("problem(s): FaxDrop will not work"), report)
        XCTAssertFalse(report.contains("check-secret-123"))
    }

    func testCheckWithEveryModule() async throws {
        let found = try await findings(removing: [])
        let modules = found.filter { $0.check == "modules" }
        XCTAssertEqual(modules.map(\.level), [.ok], Diagnostics.report(found))
        XCTAssertTrue(modules[0].detail.contains("chan_pjsip"), modules[0].detail)
        XCTAssertTrue(modules[0].detail.contains("FAXDROP_DIAL_TECH=PJSIP"), modules[0].detail)
    }
}
