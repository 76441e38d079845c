import FaxDropCore
import FaxDropFaxImage
import FaxDropRenderClient
import Foundation
import XCTest

/// Gray and coloured text stay solid; tints and coloured backgrounds turn white (issue 3).
final class BinarizationTests: XCTestCase {
    /// A letter page: an orange tint box holding black text, gray text and orange text on
    /// white, and an empty light-gray box.
    static func makePDF() -> Data {
        let content = """
            1 0.65 0 rg 72 500 468 200 re f
            0 g BT /F1 36 Tf 90 580 Td (Tinted box) Tj ET
            0.55 g BT /F1 36 Tf 90 400 Td (Gray text here) Tj ET
            1 0.55 0 rg BT /F1 36 Tf 90 300 Td (Orange text) Tj ET
            0.9 g 72 100 468 120 re f

            """
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length \(content.utf8.count) >>\nstream\n\(content)endstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        return RenderTestSupport.pdf(objects: objects)
    }

    /// Black share of a rectangle given in PDF points (origin bottom left, letter page).
    func blackShare(_ page: FaxBitmap, x: ClosedRange<Double>, y: ClosedRange<Double>) -> Double {
        let sx = Double(page.width) / 612
        let sy = Double(page.height) / 792
        let xs = Int(x.lowerBound * sx)..<Int(x.upperBound * sx)
        let ys = Int((792 - y.upperBound) * sy)..<Int((792 - y.lowerBound) * sy)
        return Double(page.blackCount(x: xs, y: ys)) / Double(xs.count * ys.count)
    }

    func testTextStaysSolidAndTintsTurnWhite() async throws {
        try RenderTestSupport.checkExecutable()
        let dir = try RenderTestSupport.scratch(self)
        try writeFile("\(dir)/tints.pdf", Self.makePDF())
        let pool = RenderTestSupport.makePool(workers: 1)
        let reply = await pool.render(
            RenderRequest(id: "tints", input: "\(dir)/tints.pdf", output: "\(dir)/tints.tif"),
            logger: RenderTestSupport.logger)
        XCTAssertNil(reply.error)
        let page = try FaxImage.readBitmap("\(dir)/tints.tif", page: 0)
        // Text: solid strokes (Helvetica at 36 pt inks roughly a fifth of its line box).
        XCTAssertGreaterThan(blackShare(page, x: 90...280, y: 580...606), 0.10, "black text on the tint")
        XCTAssertGreaterThan(blackShare(page, x: 90...330, y: 400...426), 0.10, "gray text")
        XCTAssertGreaterThan(blackShare(page, x: 90...280, y: 300...326), 0.10, "orange text")
        // Tints: white, no dither noise.
        XCTAssertLessThan(blackShare(page, x: 330...530, y: 510...560), 0.001, "orange tint away from the text")
        XCTAssertLessThan(blackShare(page, x: 80...530, y: 110...210), 0.001, "light gray box")
        // The whole page costs little on the wire.
        XCTAssertLessThan(reply.pageBytes.first ?? .max, 12_000)
        await pool.shutdown()
    }
}
