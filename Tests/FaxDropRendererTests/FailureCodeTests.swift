import FaxDropCore
import FaxDropFaxImage
import FaxDropRenderClient
import Foundation
import XCTest

/// Each kind of bad input ends with its own stable code, and never leaves an output file.
final class FailureCodeTests: XCTestCase {
    private func render(
        _ input: String, in dir: String, maxPages: Int = 100, maxBytes: Int64 = 50 << 20, pool: RenderPool
    ) async -> RenderReply {
        let output = "\(dir)/\(UUID().uuidString).tif"
        let request = RenderRequest(id: "job", input: input, output: output, maxPages: maxPages, maxBytes: maxBytes)
        let reply = await pool.render(request, logger: RenderTestSupport.logger)
        if reply.error != nil {
            XCTAssertFalse(FileManager.default.fileExists(atPath: output), "no output after a failure")
        }
        return reply
    }

    func testBadDocumentsFailWithTheirCodes() async throws {
        try RenderTestSupport.checkExecutable()
        let dir = try RenderTestSupport.scratch(self)
        let pool = RenderTestSupport.makePool(workers: 2)
        let empty = "\(dir)/empty.pdf"
        try writeFile(empty, Data())
        let binary = "\(dir)/random.bin"
        try writeFile(binary, Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) | 0x80 }))
        let truncatedPNG = "\(dir)/cut.png"
        let png = try Data(
            contentsOf: URL(fileURLWithPath: RenderTestSupport.corpusFile("images/scan-200dpi-color.png")))
        try writeFile(truncatedPNG, png.prefix(png.count / 3))
        let badPostScript = "\(dir)/bad.ps"
        try writeFile(badPostScript, Data("%!PS\n1 0 div\nshowpage\n".utf8))

        let cases: [(String, ErrorCode, Int, Int64)] = [
            (RenderTestSupport.corpusFile("pdf/25-enc-userpw.pdf"), .encryptedDocument, 100, 50 << 20),
            (RenderTestSupport.corpusFile("pdf/26-damaged-truncated-gnuplot.pdf"), .corruptDocument, 100, 50 << 20),
            (RenderTestSupport.corpusFile("pdf/29-garbage-not-pdf.pdf"), .corruptDocument, 100, 50 << 20),
            (RenderTestSupport.corpusFile("pdf/01-r-intro.pdf"), .tooManyPages, 100, 50 << 20),
            (RenderTestSupport.corpusFile("pdf/23-onepage-letter.pdf"), .fileTooLarge, 100, 20_000),
            (RenderTestSupport.corpusFile("images/scan-200dpi-color-3p-lzw.tif"), .tooManyPages, 2, 50 << 20),
            (RenderTestSupport.corpusFile("images/plain-text-gpl3.txt"), .tooManyPages, 3, 50 << 20),
            (empty, .emptyFile, 100, 50 << 20),
            (binary, .unsupportedFormat, 100, 50 << 20),
            (truncatedPNG, .corruptDocument, 100, 50 << 20),
            (badPostScript, .corruptDocument, 100, 50 << 20),
            (dir, .notARegularFile, 100, 50 << 20),
        ]
        for (input, code, maxPages, maxBytes) in cases {
            let reply = await render(input, in: dir, maxPages: maxPages, maxBytes: maxBytes, pool: pool)
            XCTAssertEqual(reply.error?.code, code, "\(input): \(reply.error?.message ?? "no error")")
            XCTAssertEqual(reply.pages, 0)
        }
        // The worker that saw all of this still renders.
        let good = await render(RenderTestSupport.corpusFile("pdf/23-onepage-letter.pdf"), in: dir, pool: pool)
        XCTAssertNil(good.error)
        XCTAssertEqual(good.pages, 1)
        await pool.shutdown()
    }

    func testMissingOrBrokenWorkerFailsConversionWithoutThrowing() async throws {
        let dir = try RenderTestSupport.scratch(self)
        for executable in ["/nonexistent/faxdrop-render", "/bin/false", "/bin/cat"] {
            let pool = RenderPool(
                executable: executable, workers: 1, timeout: .seconds(20), logger: RenderTestSupport.logger)
            let reply = await render(RenderTestSupport.corpusFile("pdf/23-onepage-letter.pdf"), in: dir, pool: pool)
            XCTAssertEqual(reply.error?.code, .conversionFailed, executable)
            await pool.shutdown()
        }
    }
}
