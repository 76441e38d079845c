import Foundation
import XCTest

/// SPEC §9: libinotifytools (GPL-2.0-only) and libgs (AGPL-3.0+) never share a binary.
final class LicenceBoundaryTests: XCTestCase {
    private func neededLibraries(_ executable: String) throws -> String {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        let path =
            FileManager.default.isExecutableFile(atPath: folder + "/" + executable)
            ? folder + "/" + executable : TestSpool.packageRoot + "/.build/debug/" + executable
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
        process.arguments = [path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "ldd \(path)")
        return text
    }

    func testTheDaemonNeverLinksGhostscript() throws {
        let libraries = try neededLibraries("faxdrop")
        XCTAssertTrue(libraries.contains("libinotifytools"), libraries)
        XCTAssertFalse(libraries.contains("libgs."), libraries)
    }

    func testTheRendererNeverLinksInotifyTools() throws {
        let libraries = try neededLibraries("faxdrop-render")
        XCTAssertTrue(libraries.contains("libgs."), libraries)
        XCTAssertFalse(libraries.contains("libinotifytools"), libraries)
    }

    func testTheTestBundleItselfNeverLinksGhostscript() throws {
        let libraries = try neededLibraries(URL(fileURLWithPath: CommandLine.arguments[0]).lastPathComponent)
        XCTAssertFalse(libraries.contains("libgs."), libraries)
    }
}
