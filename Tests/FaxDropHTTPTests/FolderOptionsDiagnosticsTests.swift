import FaxDropCore
import FaxDropDiagnostics
import FaxDropHTTP
import FaxDropSystem
import Foundation
import XCTest

/// `faxdrop check` reads every destination folder's `.faxdrop` file as a claim would, and
/// names a bad one with its folder and line; a hostile folder name is printed escaped.
final class FolderOptionsDiagnosticsTests: XCTestCase {
    func testBadOptionFileIsAProblemNamingFolderAndLine() async throws {
        let spool = try HTTPTestSpool()
        let outgoing = spool.spool.outgoing
        for name in ["+15551234567 Smith Pharmacy", "+15557654321", "+15550000001", "scans\u{1B}[2J"] {
            try Syscall.mkdir(outgoing + "/" + name)
        }
        try Data("COVER=on\nPRIORITY=high\n".utf8).write(
            to: URL(fileURLWithPath: outgoing + "/+15551234567 Smith Pharmacy/.faxdrop"))
        try Data("COVER=on\n\nMAX_ATTEMPTS=many\n".utf8).write(
            to: URL(fileURLWithPath: outgoing + "/+15557654321/.faxdrop"))

        let diagnostics = Diagnostics(configuration: try spool.configuration([:]), executableDirectory: spool.base)
        let found = await diagnostics.run()
        let options = found.filter { $0.check == "options" }
        XCTAssertEqual(options.map(\.level), [.problem], Diagnostics.report(found))
        XCTAssertEqual(
            options.first?.detail,
            "\"+15557654321\"/.faxdrop line 3: MAX_ATTEMPTS must be a whole number from 1 to 100; the folder's jobs fail invalid_options"
        )
        let folders = found.filter { $0.check == "folders" }
        XCTAssertEqual(folders.map(\.level), [.warning])
        XCTAssertTrue(
            folders.first?.detail.hasPrefix(#""scans\u{1B}[2J" is not a destination"#) == true,
            folders.first?.detail ?? "")
        XCTAssertFalse(Diagnostics.report(found).contains("\u{1B}"))

        // Fixed: the check is in order again.
        try Data("MAX_ATTEMPTS=2\n".utf8).write(to: URL(fileURLWithPath: outgoing + "/+15557654321/.faxdrop"))
        let again = await diagnostics.run().filter { $0.check == "options" }
        XCTAssertEqual(again.map(\.level), [.ok])
        XCTAssertEqual(again.first?.detail, "2 folder option file(s) valid")
    }
}
