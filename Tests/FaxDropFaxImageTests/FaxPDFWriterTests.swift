import FaxDropCore
import FaxDropFaxImage
import FaxDropTestSupport
import Foundation
import XCTest

/// The received-fax PDF (SPEC §10): the TIFF's CCITT data wrapped, not re-encoded. Each
/// test writes real TIFFs with libtiff, wraps them, renders the PDF with poppler's
/// `pdftoppm` at the TIFF's own resolution and compares every pixel with libtiff's decoding.
final class FaxPDFWriterTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try makeScratchDirectory("faxpdf")
    }

    /// spandsp's received pages: G3 2-D, EOLs byte-aligned, FillOrder 2; fine, normal, and a
    /// page split into several strips; three pages in one file.
    func testReceivedG3PagesRenderToTheSamePixels() throws {
        let tiff = try writeTIFF(
            "g3.tif", coding: .g3TwoDimensional,
            pages: [(.fine, 2156, nil, 1), (.normal, 1078, nil, 2), (.fine, 2156, 500, 3)])
        let pages = try FaxPDFWriter.pages(ofTIFF: tiff)
        XCTAssertEqual(pages.map(\.k), [1, 1, 1])
        // Page size from the resolution: the normal page (half the rows) is as tall as the fine ones.
        let info = try runProgram("/usr/bin/pdfinfo", ["-f", "1", "-l", "3", try wrap(tiff)]).output
        let sizes = info.split(separator: "\n").filter { $0.hasPrefix("Page") && $0.contains("size:") }
        XCTAssertEqual(sizes.count, 3, info)
        for size in sizes { XCTAssertTrue(size.contains("609.882 x 792 pts"), String(size)) }
        XCTAssertEqual(pages.map(\.encodedByteAlign), [true, true, true])
        XCTAssertEqual(pages[2].strips.map(\.rows), [500, 500, 500, 500, 156])
        try assertSamePixels(tiff: tiff, pageCount: 3)
    }

    /// FaxDrop's own G4 pages (what `receive-test` delivers through the loopback path).
    func testG4PagesRenderToTheSamePixels() throws {
        let tiff = try writeTIFF("g4.tif", coding: .g4, pages: [(.fine, 2156, nil, 4), (.normal, 1100, nil, 5)])
        XCTAssertEqual(try FaxPDFWriter.pages(ofTIFF: tiff).map(\.k), [-1, -1])
        try assertSamePixels(tiff: tiff, pageCount: 2)
    }

    /// No re-encoding: the PDF is the strips' bytes plus a small, fixed overhead per page.
    func testThePDFIsTheTIFFDataPlusASmallOverhead() throws {
        let tiff = try writeTIFF(
            "size.tif", coding: .g3TwoDimensional, pages: [(.fine, 2156, nil, 6), (.fine, 2156, nil, 7)])
        let pages = try FaxPDFWriter.pages(ofTIFF: tiff)
        let pdf = FaxPDFWriter.pdf(pages)
        let data = pages.flatMap(\.strips).reduce(0) { $0 + $1.data.count }
        let tiffSize = try FileManager.default.attributesOfItem(atPath: tiff)[.size] as! Int
        XCTAssertLessThan(pdf.count - data, 800 * pages.count + 400, "more than the wrapping")
        XCTAssertLessThan(abs(pdf.count - tiffSize), tiffSize / 20 + 1500, "PDF \(pdf.count) B vs TIFF \(tiffSize) B")
    }

    func testTheTitleCannotBreakOutOfItsString() throws {
        let tiff = try writeTIFF("t.tif", coding: .g4, pages: [(.fine, 100, nil, 8)])
        let pdf = FaxPDFWriter.pdf(try FaxPDFWriter.pages(ofTIFF: tiff), title: "a) /JS (x\\) >>\r\nendobj")
        let text = String(decoding: pdf, as: UTF8.self)
        XCTAssertTrue(text.contains("/Title (a\\) /JS \\(x\\\\\\) >>endobj)"), text)
        try Data(pdf).write(to: directory.appendingPathComponent("t.pdf"))
        XCTAssertEqual(try runProgram("/usr/bin/pdfinfo", [directory.appendingPathComponent("t.pdf").path]).status, 0)
    }

    func testNonCCITTPagesAreRefused() throws {
        let path = directory.appendingPathComponent("text.tif").path
        try Data("not a tiff".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try FaxPDFWriter.pages(ofTIFF: path))
    }

    // MARK: Helpers

    /// Pages of a deterministic test pattern: text-like bars, diagonals, a noise block.
    func writeTIFF(
        _ name: String, coding: FaxImageWriter.Coding, pages: [(Resolution, Int, Int?, UInt64)]
    ) throws -> String {
        let path = directory.appendingPathComponent(name).path
        let writer = try FaxImageWriter(path: path, coding: coding)
        for (index, (resolution, height, rowsPerStrip, seed)) in pages.enumerated() {
            let width = 1728
            let bytesPerRow = width / 8
            var bits = [UInt8](repeating: 0, count: bytesPerRow * height)
            var rng = seed &* 0x9E37_79B9_7F4A_7C15
            func random() -> UInt64 {
                rng ^= rng << 13
                rng ^= rng >> 7
                rng ^= rng << 17
                return rng
            }
            func set(_ x: Int, _ y: Int) { bits[y * bytesPerRow + x / 8] |= 0x80 >> UInt8(x % 8) }
            for line in stride(from: 40, to: height - 60, by: 37) {
                var x = 100
                while x < 1600 {
                    let word = 20 + Int(random() % 120)
                    for y in line..<(line + 14) {
                        for xx in x..<min(x + word, 1650) where random() % 7 != 0 { set(xx, y) }
                    }
                    x += word + 12
                }
            }
            for t in 0..<min(height, width) { set(t, t * (height - 1) / max(1, min(height, width) - 1)) }
            for y in (height / 3)..<min(height, height / 3 + 80) {
                for x in 1200..<1500 where random() & 1 == 1 { set(x, y) }
            }
            try bits.withUnsafeBytes {
                try writer.appendPage(
                    rows: $0, bytesPerRow: bytesPerRow, width: width, height: height, resolution: resolution,
                    pageNumber: index, pageCount: pages.count, rowsPerStrip: rowsPerStrip)
            }
        }
        writer.close()
        return path
    }

    func assertSamePixels(tiff: String, pageCount: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        try PDFPixels.assertSame(tiff: tiff, pdf: nil, pageCount: pageCount, in: directory, file: file, line: line)
    }

    func wrap(_ tiff: String) throws -> String {
        let path = directory.appendingPathComponent(UUID().uuidString + ".pdf").path
        try Data(FaxPDFWriter.pdf(try FaxPDFWriter.pages(ofTIFF: tiff))).write(to: URL(fileURLWithPath: path))
        return path
    }
}
