import FaxDropCore
import FaxDropDiagnostics
import FaxDropHTTP
import Foundation
import XCTest

/// `faxdrop check` says whether a file still open for writing can be recognised (read
/// leases): run for real, once as it is and once with `CAP_LEASE` dropped by `setpriv`.
final class LeaseDiagnosticsTests: XCTestCase {
    func testCheckReportsTheLeaseFallbackWithoutCapLease() throws {
        let setpriv = "/usr/bin/setpriv"
        guard FileManager.default.isExecutableFile(atPath: setpriv) else {
            throw XCTSkip("setpriv is missing (util-linux)")
        }
        guard getuid() == 0 else { throw XCTSkip("dropping CAP_LEASE is shown from root, which has it") }
        let faxdrop = Fixtures.packageRoot + "/.build/debug/faxdrop"
        guard FileManager.default.isExecutableFile(atPath: faxdrop) else { throw XCTSkip("swift build first") }
        let spool = try HTTPTestSpool()
        let arguments = ["check", "--spool", spool.spool.root]

        let normal = try runProgram(faxdrop, arguments)
        let normalLine = Self.leaseLine(normal.output)
        XCTAssertTrue(normalLine.hasPrefix("ok"), normal.output)

        let dropped = try runProgram(setpriv, ["--inh-caps=-lease", "--bounding-set=-lease", faxdrop] + arguments)
        let droppedLine = Self.leaseLine(dropped.output)
        XCTAssertTrue(droppedLine.hasPrefix("WARNING"), dropped.output + dropped.error)
        XCTAssertTrue(droppedLine.contains("no CAP_LEASE"), droppedLine)
        XCTAssertTrue(droppedLine.contains("FAXDROP_SETTLE_MS"), droppedLine)
    }

    static func leaseLine(_ report: String) -> String {
        report.split(separator: "\n").map(String.init).first { $0.dropFirst(9).hasPrefix("leases") } ?? ""
    }
}
