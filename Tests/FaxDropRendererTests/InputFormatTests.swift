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
        try writeFile(
            postScript,
            Data(
                "%!PS\n/Helvetica findfont 24 scalefont setfont 72 700 moveto (Hello fax) show showpage\n72 700 moveto (Page two) show showpage\n"
                    .utf8))
        let eps = "\(dir)/figure.eps"
        try writeFile(
            eps,
            Data(
                "%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 200 100\n0 0 moveto 200 100 lineto 8 setlinewidth stroke\n%%EOF\n"
                    .utf8))
        let unicodeText = "\(dir)/notes"
        try writeFile(
            unicodeText, Data("Grüße aus Köln – “quoted” text\twith a tab\n\u{0C}second page after a form feed\n".utf8))
        let cases: [(String, DocumentFormat, Int)] = [
            (RenderTestSupport.corpusFile("images/scan-200dpi-color.png"), .png, 1),
            (RenderTestSupport.corpusFile("images/scan-300dpi-gray.jpg"), .jpeg, 1),
            (RenderTestSupport.corpusFile("images/scan-200dpi-color-3p-lzw.tif"), .tiff, 3),
            (RenderTestSupport.corpusFile("images/plain-text-gpl3.txt"), .text, 12),
            (postScript, .postscript, 2),
            (eps, .postscript, 1),
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
        let short = try RenderFixture(self, input: "short.txt", Data("Two lines\nof text.\n".utf8))
        let request = RenderRequest(id: "trim", input: short.input, output: "\(short.dir)/t.tif", trimBlankTail: true)
        let reply = await short.pool.render(request, logger: RenderTestSupport.logger)
        XCTAssertNil(reply.error)
        try assertClassF("\(short.dir)/t.tif", pages: 1, trimmed: true)
        let page = try XCTUnwrap(FaxImage.inspect("\(short.dir)/t.tif").first)
        XCTAssertLessThan(page.height, 600, "a two-line page is chopped after its text")
        await short.pool.shutdown()
    }

    /// Black pixels per row, blank rows at both ends cut off.
    private func inkProfile(_ bitmap: FaxBitmap) -> [Int] {
        var rows = (0..<bitmap.height).map { bitmap.blackCount(x: 0..<bitmap.width, y: $0..<($0 + 1)) }
        while rows.last == 0 { rows.removeLast() }
        while rows.first == 0 { rows.removeFirst() }
        return rows
    }

    func testPhotoTurnedByItsEXIFOrientationArrivesUpright() async throws {
        try RenderTestSupport.checkExecutable()
        let dir = try RenderTestSupport.scratch(self)
        let original = try Data(
            contentsOf: URL(fileURLWithPath: RenderTestSupport.corpusFile("images/scan-300dpi-gray.jpg")))
        // APP1 "Exif" with IFD0 holding Orientation = 3 (shown upside down from storage).
        let app1: [UInt8] =
            [0xFF, 0xE1, 0x00, 0x22] + Array("Exif\0\0".utf8) + [0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8, 0, 1]
            + [0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0x00, 0x03, 0, 0] + [0, 0, 0, 0]
        try writeFile("\(dir)/upside-down.jpg", original.prefix(2) + Data(app1) + original.dropFirst(2))
        let pool = RenderTestSupport.makePool(workers: 2)
        async let plain = pool.render(
            RenderRequest(
                id: "plain", input: RenderTestSupport.corpusFile("images/scan-300dpi-gray.jpg"), output: "\(dir)/p.tif"),
            logger: RenderTestSupport.logger)
        async let turned = pool.render(
            RenderRequest(id: "turned", input: "\(dir)/upside-down.jpg", output: "\(dir)/t.tif"),
            logger: RenderTestSupport.logger)
        let (a, b) = await (plain, turned)
        XCTAssertNil(a.error)
        XCTAssertNil(b.error)
        let upright = inkProfile(try FaxImage.readBitmap("\(dir)/p.tif", page: 0))
        let fromTagged = inkProfile(try FaxImage.readBitmap("\(dir)/t.tif", page: 0))
        XCTAssertEqual(Double(upright.count), Double(fromTagged.count), accuracy: 8)
        let n = min(upright.count, fromTagged.count)
        let total = Double(upright.reduce(0, +))
        let reversedDistance = (0..<n).map { abs(upright[$0] - fromTagged[n - 1 - $0]) }.reduce(0, +)
        let sameDistance = (0..<n).map { abs(upright[$0] - fromTagged[$0]) }.reduce(0, +)
        XCTAssertLessThan(Double(reversedDistance) / total, 0.25, "the tagged photo is the plain one turned half")
        XCTAssertGreaterThan(sameDistance, reversedDistance * 2)
        await pool.shutdown()
    }
}
