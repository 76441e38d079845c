import FaxDropCore
import FaxDropFaxImage
import FaxDropRenderClient
import FaxDropTestSupport
import Foundation
import XCTest

/// `faxdrop-render INPUT OUTPUT.tif [--resolution] [--paper]`, the one-shot mode behind
/// previews, and paths as the daemon may pass them.
final class OneShotCommandTests: XCTestCase {
    func testOneShotPrintsPageCountOrErrorCode() throws {
        try RenderTestSupport.checkExecutable()
        let dir = try RenderTestSupport.scratch(self)
        let ok = try runProgram(
            RenderTestSupport.executable,
            [
                RenderTestSupport.corpusFile("pdf/13-octave-refcard-a4.pdf"), "\(dir)/a.tif", "--resolution", "normal",
                "--paper", "a4",
            ])
        XCTAssertEqual(ok.status, 0)
        XCTAssertEqual(ok.output, "3\n")
        try assertClassF("\(dir)/a.tif", pages: 3, resolution: .normal, paper: .a4)

        let bad = try runProgram(
            RenderTestSupport.executable, [RenderTestSupport.corpusFile("pdf/25-enc-userpw.pdf"), "\(dir)/b.tif"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.error.hasPrefix("error: encrypted_document: "), bad.error)
        XCTAssertEqual(bad.output, "")
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
