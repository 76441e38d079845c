import CPNG
import FaxDropCore
import FaxDropFaxImage
import FaxDropRenderClient
import Foundation
import XCTest

/// Pages of real rendered faxes (the real `faxdrop-render` on corpus PDFs) as PNG: each PNG
/// is decoded again with libpng and compared with libtiff's decoding of the same page.
final class FaxPagePNGTests: XCTestCase {
    /// Renders a corpus PDF to a fax TIFF with the real worker.
    func rendered(_ name: String, resolution: Resolution, in dir: String) async throws -> String {
        try RenderTestSupport.checkExecutable()
        let pool = RenderTestSupport.makePool(workers: 1)
        let output = "\(dir)/\(name)-\(resolution.rawValue).tif"
        let request = RenderRequest(
            id: name, input: RenderTestSupport.corpusFile("pdf/\(name)"), output: output, resolution: resolution)
        let reply = await pool.render(request, logger: RenderTestSupport.logger)
        await pool.shutdown()
        XCTAssertNil(reply.error, "\(String(describing: reply.error))")
        return output
    }

    /// The PNG decoded by libpng to 8-bit gray.
    func decode(_ png: [UInt8], in dir: String) throws -> GrayRaster {
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "PNG signature")
        let path = "\(dir)/\(UUID().uuidString).png"
        try Data(png).write(to: URL(fileURLWithPath: path))
        var width: Int32 = 0
        var height: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let count = message.count
        guard let pixels = faxdrop_png_decode_gray(path, 1 << 26, &width, &height, &message, count) else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            XCTFail("libpng could not decode the PNG: \(text)")
            throw CancellationError()
        }
        defer { free(pixels) }
        return GrayRaster(
            width: Int(width), height: Int(height),
            pixels: Array(UnsafeBufferPointer(start: pixels, count: Int(width) * Int(height))))
    }

    func testFullSizePageHasTheTIFFsBlackPixels() async throws {
        let dir = try RenderTestSupport.scratch(self)
        let tiff = try await rendered("23-onepage-letter.pdf", resolution: .fine, in: dir)
        let bitmap = try FaxImage.readBitmap(tiff, page: 0)
        XCTAssertGreaterThan(bitmap.blackFraction, 0.005, "the letter has text")
        let png = try FaxPagePNG.render(tiff: tiff, page: 0, maxWidth: nil)
        let image = try decode(png, in: dir)
        XCTAssertEqual(image.width, 1728)
        XCTAssertEqual(image.height, bitmap.height)
        XCTAssertEqual(image.height, Paper.letter.heightPixels(.fine))
        var mismatches = 0
        for y in 0..<bitmap.height {
            for x in 0..<bitmap.width where (image.value(x: x, y: y) == 0) != bitmap.isBlack(x: x, y: y) {
                mismatches += 1
            }
        }
        XCTAssertEqual(mismatches, 0, "every black pixel of the TIFF is black in the PNG, and only those")
        XCTAssertTrue(image.pixels.allSatisfy { $0 == 0 || $0 == 255 }, "full size is black and white")
        // Far smaller than the raw pixels: the PNG is compressed.
        XCTAssertLessThan(png.count, 1728 * bitmap.height / 4)
    }

    func testNormalResolutionRowsAreShownTwice() async throws {
        let dir = try RenderTestSupport.scratch(self)
        let tiff = try await rendered("23-onepage-letter.pdf", resolution: .normal, in: dir)
        let bitmap = try FaxImage.readBitmap(tiff, page: 0)
        XCTAssertEqual(bitmap.height, Paper.letter.heightPixels(.normal))
        let image = try decode(try FaxPagePNG.render(tiff: tiff, page: 0, maxWidth: nil), in: dir)
        XCTAssertEqual(image.width, 1728)
        XCTAssertEqual(image.height, bitmap.height * 2, "square pixels: each 98 dpi row twice")
        var mismatches = 0
        for y in 0..<image.height {
            for x in 0..<image.width where (image.value(x: x, y: y) == 0) != bitmap.isBlack(x: x, y: y / 2) {
                mismatches += 1
            }
        }
        XCTAssertEqual(mismatches, 0)
    }

    /// At a quarter of the width (exact 4×4 blocks on a letter page), each thumbnail pixel is
    /// the share of white in its block; at the console's width the ink is kept as gray.
    func testThumbnailIsAreaAveragedGray() async throws {
        let dir = try RenderTestSupport.scratch(self)
        let tiff = try await rendered("23-onepage-letter.pdf", resolution: .fine, in: dir)
        let bitmap = try FaxImage.readBitmap(tiff, page: 0)
        XCTAssertEqual(bitmap.height % 4, 0)
        let quarter = try decode(try FaxPagePNG.render(tiff: tiff, page: 0, maxWidth: 432), in: dir)
        XCTAssertEqual(quarter.width, 432)
        XCTAssertEqual(quarter.height, bitmap.height / 4)
        var worst = 0
        for y in 0..<quarter.height {
            for x in 0..<quarter.width {
                let black = bitmap.blackCount(x: x * 4..<x * 4 + 4, y: y * 4..<y * 4 + 4)
                let expected = Int((255 * (1 - Double(black) / 16)).rounded())
                worst = max(worst, abs(Int(quarter.value(x: x, y: y)) - expected))
            }
        }
        XCTAssertLessThanOrEqual(worst, 1, "each pixel is its block's share of white")

        let thumbnail = try decode(try FaxPagePNG.render(tiff: tiff, page: 0, maxWidth: 216), in: dir)
        XCTAssertEqual(thumbnail.width, 216)
        XCTAssertEqual(thumbnail.height, Int((Double(bitmap.height) * 216 / 1728).rounded()))
        // Legible: the ink is neither lost nor blotted; strokes show as grays, not only black or white.
        let ink = thumbnail.pixels.reduce(0.0) { $0 + (255 - Double($1)) / 255 } / Double(thumbnail.pixels.count)
        XCTAssertEqual(ink, bitmap.blackFraction, accuracy: bitmap.blackFraction * 0.02, "the same ink in all")
        let grays = thumbnail.pixels.filter { $0 > 20 && $0 < 235 }.count
        XCTAssertGreaterThan(grays, thumbnail.pixels.filter { $0 <= 20 }.count, "text turns gray, not blotted black")
        XCTAssertGreaterThan(grays, 500)
    }

    func testPageCountAndPagesOutOfRange() async throws {
        let dir = try RenderTestSupport.scratch(self)
        let tiff = try await rendered("12-octave-refcard-legal.pdf", resolution: .fine, in: dir)
        XCTAssertEqual(try FaxPagePNG.pageCount(tiff: tiff), 3)
        let third = try decode(try FaxPagePNG.render(tiff: tiff, page: 2, maxWidth: nil), in: dir)
        XCTAssertEqual(third.width, 1728)
        XCTAssertThrowsError(try FaxPagePNG.render(tiff: tiff, page: 3, maxWidth: nil))
        XCTAssertThrowsError(try FaxPagePNG.render(tiff: tiff, page: -1, maxWidth: nil))
        XCTAssertThrowsError(try FaxPagePNG.render(tiff: tiff, page: 0, maxWidth: 0))
        let garbage = "\(dir)/garbage.tif"
        try Data("II*\0 not a tiff at all".utf8).write(to: URL(fileURLWithPath: garbage))
        XCTAssertThrowsError(try FaxPagePNG.pageCount(tiff: garbage))
        XCTAssertThrowsError(try FaxPagePNG.render(tiff: garbage, page: 0, maxWidth: nil))
        XCTAssertThrowsError(try FaxPagePNG.render(tiff: "\(dir)/missing.tif", page: 0, maxWidth: 216))
    }
}
