import FaxDropFaxImage
import FaxDropTestSupport
import Foundation
import XCTest

/// Renders PDFs back with poppler's `pdftoppm` and compares their pixels with a TIFF as
/// libtiff decodes it: the check that a received fax's PDF is the fax, bit for bit.
enum PDFPixels {
    /// Renders `pdf` (default: `tiff` wrapped now) with pdftoppm and compares every pixel of
    /// every page with libtiff's decoding of `tiff`.
    static func assertSame(
        tiff: String, pdf: String?, pageCount: Int, in directory: URL, file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        let pages = try FaxPDFWriter.pages(ofTIFF: tiff)
        XCTAssertEqual(pages.count, pageCount, file: file, line: line)
        let pdfPath = pdf ?? directory.appendingPathComponent(UUID().uuidString + ".pdf").path
        if pdf == nil { try Data(FaxPDFWriter.pdf(pages)).write(to: URL(fileURLWithPath: pdfPath)) }
        for (index, page) in pages.enumerated() {
            let expected = try FaxImage.readBitmap(tiff, page: index)
            let prefix = directory.appendingPathComponent("render-\(index)").path
            // Rendered at 4× the page's resolution, where poppler replicates image pixels instead
            // of interpolating them; each fax pixel is then read at the middle of its 4×4 block.
            let result = try runProgram(
                "/usr/bin/pdftoppm",
                [
                    "-gray", "-aa", "no", "-aaVector", "no", "-singlefile", "-f", "\(index + 1)", "-l", "\(index + 1)",
                    "-rx", "\(Int(page.horizontalDPI) * 4)", "-ry", "\(Int(page.verticalDPI) * 4)", pdfPath, prefix,
                ])
            XCTAssertEqual(result.status, 0, result.error, file: file, line: line)
            let rendered = try PGM(path: prefix + ".pgm")
            XCTAssertEqual(rendered.width / 4, expected.width, "page \(index + 1) width", file: file, line: line)
            XCTAssertEqual(rendered.height / 4, expected.height, "page \(index + 1) height", file: file, line: line)
            guard rendered.width / 4 == expected.width, rendered.height / 4 == expected.height else { continue }
            var differing = 0
            var first: (Int, Int)?
            for y in 0..<expected.height {
                for x in 0..<expected.width
                where rendered.isBlack(x: 4 * x + 2, y: 4 * y + 2) != expected.isBlack(x: x, y: y) {
                    differing += 1
                    if first == nil { first = (x, y) }
                }
            }
            XCTAssertEqual(
                differing, 0, "page \(index + 1): \(differing) pixels differ, first at \(first.map { "\($0)" } ?? "-")",
                file: file, line: line)
            XCTAssertGreaterThan(expected.blackFraction, 0.01, "the pattern is not blank", file: file, line: line)
        }
    }

    /// poppler's gray output (P5); a pixel is black below mid-gray.
    struct PGM {
        var width: Int, height: Int, bytes: [UInt8]
        init(path: String) throws {
            let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            var fields: [String] = []
            var i = 0
            func space(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }
            while fields.count < 4 {
                while i < data.count, space(data[i]) { i += 1 }
                if data[i] == UInt8(ascii: "#") {
                    while i < data.count, data[i] != 0x0A { i += 1 }
                    continue
                }
                var token = ""
                while i < data.count, !space(data[i]) {
                    token.append(Character(Unicode.Scalar(data[i])))
                    i += 1
                }
                fields.append(token)
            }
            guard fields[0] == "P5", let w = Int(fields[1]), let h = Int(fields[2]), fields[3] == "255" else {
                throw NSError(domain: "PGM", code: 1)
            }
            width = w
            height = h
            bytes = Array(data[(i + 1)...])
        }
        func isBlack(x: Int, y: Int) -> Bool { bytes[y * width + x] < 128 }
    }
}
