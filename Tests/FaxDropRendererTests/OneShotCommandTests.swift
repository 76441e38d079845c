import FaxDropCore
import FaxDropFaxImage
import FaxDropRenderClient
import Foundation
import XCTest

/// `faxdrop-render INPUT OUTPUT.tif [--resolution] [--paper]`, the one-shot mode behind
/// previews, and paths as the daemon may pass them.
final class OneShotCommandTests: XCTestCase {
    private func runRenderer(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: RenderTestSupport.executable)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self)
        )
    }

    func testOneShotPrintsPageCountOrErrorCode() throws {
        try RenderTestSupport.checkExecutable()
        let dir = try RenderTestSupport.scratch(self)
        let ok = try runRenderer([
            RenderTestSupport.corpusFile("pdf/13-octave-refcard-a4.pdf"), "\(dir)/a.tif", "--resolution", "normal",
            "--paper", "a4",
        ])
        XCTAssertEqual(ok.status, 0)
        XCTAssertEqual(ok.stdout, "3\n")
        try assertClassF("\(dir)/a.tif", pages: 3, resolution: .normal, paper: .a4)

        let bad = try runRenderer([RenderTestSupport.corpusFile("pdf/25-enc-userpw.pdf"), "\(dir)/b.tif"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.hasPrefix("error: encrypted_document: "), bad.stderr)
        XCTAssertEqual(bad.stdout, "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/b.tif"))
    }

    func testRelativeInputPathRenders() async throws {
        try RenderTestSupport.checkExecutable()
        let dir = try RenderTestSupport.scratch(self)
        // The workers share this process's working directory.
        let ups = FileManager.default.currentDirectoryPath.split(separator: "/").count
        let absolute = RenderTestSupport.corpusFile("pdf/23-onepage-letter.pdf")
        let relative = String(repeating: "../", count: ups) + String(absolute.drop(while: { $0 == "/" }))
        let pool = RenderTestSupport.makePool(workers: 1)
        let reply = await pool.render(
            RenderRequest(id: "relative", input: relative, output: "\(dir)/r.tif"), logger: RenderTestSupport.logger)
        XCTAssertNil(reply.error, reply.error?.message ?? "")
        XCTAssertEqual(reply.pages, 1)
        await pool.shutdown()
    }
}
