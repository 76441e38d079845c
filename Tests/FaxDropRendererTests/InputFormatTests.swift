import FaxDropCore
import FaxDropFaxImage
import FaxDropRenderClient
import Foundation
import XCTest

/// Images, text and PostScript: recognised by content (names are misleading on purpose).
final class InputFormatTests: XCTestCase {
    func testImagesTextAndPostScriptRender() async throws {
        try RenderTestSupport.checkExecutable()
        let dir = try RenderTestSupport.scratch(self)
        let pool = RenderTestSupport.makePool(workers: 2)
        let postScript = "\(dir)/letter.dat"
        try writeFile(postScript, Data(
                "%!PS\n/Helvetica findfont 24 scalefont setfont 72 700 moveto (Hello fax) show showpage\n72 700 moveto (Page two) show showpage\n"
                    .utf8))
        let unicodeText = "\(dir)/notes"
        try writeFile(unicodeText, Data("Grüße aus Köln – “quoted” text\twith a tab\n\u{0C}second page after a form feed\n".utf8))
        let cases: [(String, DocumentFormat, Int)] = [
            (RenderTestSupport.corpusFile("images/scan-200dpi-color.png"), .png, 1),
            (RenderTestSupport.corpusFile("images/scan-300dpi-gray.jpg"), .jpeg, 1),
            (RenderTestSupport.corpusFile("images/scan-200dpi-color-3p-lzw.tif"), .tiff, 3),
            (RenderTestSupport.corpusFile("images/plain-text-gpl3.txt"), .text, 12),
            (postScript, .postscript, 2),
            (unicodeText, .text, 2),
        ]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, (input, format, pages)) in cases.enumerated() {
                group.addTask {
                    let output = "\(dir)/out-\(index).tif"
                    let request = RenderRequest(id: "in-\(index)", input: input, output: output)
                    let reply = await pool.render(request, logger: RenderTestSupport.logger)
                    XCTAssertNil(reply.error, "\(input): \(reply.error?.message ?? "")")
                    XCTAssertEqual(reply.format, format, input)
                    XCTAssertEqual(reply.pages, pages, input)
                    try assertClassF(output, pages: pages)
                    for page in 0..<pages {
                        let bitmap = try FaxImage.readBitmap(output, page: page)
                        XCTAssertGreaterThan(bitmap.blackFraction, 0.0001, "\(input) page \(page + 1) has ink")
                        XCTAssertLessThan(bitmap.blackFraction, 0.5, "\(input) page \(page + 1) is not a black mess")
                    }
                }
            }
            try await group.waitForAll()
        }
        await pool.shutdown()
    }

    func testTrimBlankTailShortensMostlyEmptyPages() async throws {
        try RenderTestSupport.checkExecutable()
        let dir = try RenderTestSupport.scratch(self)
        let pool = RenderTestSupport.makePool(workers: 1)
        let input = "\(dir)/short.txt"
        try writeFile(input, Data("Two lines\nof text.\n".utf8))
        let request = RenderRequest(id: "trim", input: input, output: "\(dir)/t.tif", trimBlankTail: true)
        let reply = await pool.render(request, logger: RenderTestSupport.logger)
        XCTAssertNil(reply.error)
        try assertClassF("\(dir)/t.tif", pages: 1, trimmed: true)
        let page = try XCTUnwrap(FaxImage.inspect("\(dir)/t.tif").first)
        XCTAssertLessThan(page.height, 600, "a two-line page is chopped after its text")
        await pool.shutdown()
    }
}
