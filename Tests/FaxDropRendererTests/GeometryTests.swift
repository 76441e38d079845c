import FaxDropCore
import FaxDropFaxImage
import FaxDropRenderClient
import Foundation
import XCTest

/// Pages of many sizes and orientations, each with solid marks flush with its four corners
/// and the middles of its four edges. After fitting, every mark must be in the fax image
/// where it belongs: nothing clipped, aspect kept, landscape turned to portrait.
final class GeometryTests: XCTestCase {
    struct PageSpec {
        var width: Double
        var height: Double
        var rotate = 0
        /// The size as shown (after /Rotate).
        var shown: (w: Double, h: Double) { rotate % 180 == 0 ? (width, height) : (height, width) }
        var mark: Double { min(width, height) * 0.08 }
    }

    static let pages: [PageSpec] = [
        PageSpec(width: 216, height: 360),  // 3x5 in card
        PageSpec(width: 360, height: 216),  // 3x5 in landscape
        PageSpec(width: 612, height: 792),  // letter
        PageSpec(width: 792, height: 612),  // letter landscape
        PageSpec(width: 612, height: 1008),  // legal
        PageSpec(width: 1008, height: 612),  // legal landscape
        PageSpec(width: 595, height: 842),  // A4
        PageSpec(width: 842, height: 1191),  // A3
        PageSpec(width: 1191, height: 842),  // A3 landscape
        PageSpec(width: 792, height: 1224),  // tabloid
        PageSpec(width: 960, height: 540),  // 16:9 slide
        PageSpec(width: 227, height: 850),  // 80 mm receipt
        PageSpec(width: 612, height: 792, rotate: 90),  // letter shown landscape via /Rotate
    ]

    /// Mark rectangles in PDF user space (origin bottom left).
    static func marks(_ p: PageSpec) -> [(x: Double, y: Double, w: Double, h: Double)] {
        let m = p.mark
        let w = p.width
        let h = p.height
        return [
            (0, 0, m, m), (w - m, 0, m, m), (0, h - m, m, m), (w - m, h - m, m, m),
            ((w - m) / 2, 0, m, m), ((w - m) / 2, h - m, m, m), (0, (h - m) / 2, m, m), (w - m, (h - m) / 2, m, m),
        ]
    }

    /// A minimal PDF with one page per spec.
    static func makePDF(_ specs: [PageSpec]) -> Data {
        var objects: [String] = []
        let pageIDs = specs.indices.map { 3 + 2 * $0 }
        objects.append("<< /Type /Catalog /Pages 2 0 R >>")
        objects.append(
            "<< /Type /Pages /Kids [\(pageIDs.map { "\($0) 0 R" }.joined(separator: " "))] /Count \(specs.count) >>")
        for (i, p) in specs.enumerated() {
            let content =
                "0 g\n" + marks(p).map { "\($0.x) \($0.y) \($0.w) \($0.h) re f" }.joined(separator: "\n") + "\n"
            objects.append(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 \(p.width) \(p.height)] /Rotate \(p.rotate) /Contents \(pageIDs[i] + 1) 0 R >>"
            )
            objects.append("<< /Length \(content.utf8.count) >>\nstream\n\(content)endstream")
        }
        return RenderTestSupport.pdf(objects: objects)
    }

    /// The same pages as PostScript, each asking for its size with setpagedevice.
    static func makePostScript(_ specs: [PageSpec]) -> Data {
        var ps = "%!PS-Adobe-3.0\n"
        for p in specs where p.rotate == 0 {
            ps += "<< /PageSize [\(p.width) \(p.height)] >> setpagedevice\n0 setgray\n"
            for m in marks(p) { ps += "\(m.x) \(m.y) \(m.w) \(m.h) rectfill\n" }
            ps += "showpage\n"
        }
        return Data(ps.utf8)
    }

    /// Checks one rendered page against its spec.
    func check(
        _ bitmap: FaxBitmap, _ spec: PageSpec, _ label: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        // Bounding box of the ink: the marks are flush with the page edges, so it is the page.
        var x0 = bitmap.width
        var y0 = bitmap.height
        var x1 = -1
        var y1 = -1
        for y in 0..<bitmap.height {
            for x in 0..<bitmap.width where bitmap.isBlack(x: x, y: y) {
                x0 = min(x0, x)
                x1 = max(x1, x)
                y0 = min(y0, y)
                y1 = max(y1, y)
            }
        }
        guard x1 >= x0, y1 >= y0 else { return XCTFail("\(label): blank page", file: file, line: line) }
        let boxInches = (w: Double(x1 - x0 + 1) / 204, h: Double(y1 - y0 + 1) / 196)
        // Portrait output: a landscape page is turned.
        var shown = spec.shown
        let pageIsLandscape = shown.w > shown.h
        if pageIsLandscape { shown = (shown.h, shown.w) }
        XCTAssertEqual(
            boxInches.w / boxInches.h, shown.w / shown.h, accuracy: 0.03 * shown.w / shown.h,
            "\(label): aspect kept (and landscape turned)", file: file, line: line)
        // Fitted: it fills the width or the length of the fax page.
        let fill = max(boxInches.w / (1728.0 / 204), boxInches.h / (Double(bitmap.height) / 196))
        XCTAssertGreaterThan(fill, 0.96, "\(label): scaled to fit", file: file, line: line)
        // Every mark is there: sample the middle of each in the (turned) frame.
        let m = spec.mark
        let fx = m / 2 / shown.w
        let fy = m / 2 / shown.h
        let spots: [(Double, Double)] = [
            (fx, fy), (1 - fx, fy), (fx, 1 - fy), (1 - fx, 1 - fy), (0.5, fy), (0.5, 1 - fy), (fx, 0.5), (1 - fx, 0.5),
        ]
        for (sx, sy) in spots {
            let x = x0 + Int(sx * Double(x1 - x0))
            let y = y0 + Int(sy * Double(y1 - y0))
            let black = bitmap.blackCount(x: (x - 2)..<(x + 3), y: (y - 2)..<(y + 3))
            XCTAssertGreaterThanOrEqual(black, 20, "\(label): mark at (\(sx), \(sy)) found", file: file, line: line)
        }
        // And nothing else: between the marks the page is white.
        XCTAssertEqual(
            bitmap.blackCount(x: (x0 + x1) / 2 - 3..<(x0 + x1) / 2 + 3, y: (y0 + y1) / 2 - 3..<(y0 + y1) / 2 + 3), 0)
    }

    func testMarksSurviveFittingInEveryPDFSizeAndOrientation() async throws {
        let marks = try RenderFixture(self, input: "marks.pdf", Self.makePDF(Self.pages), workers: 2)
        for (resolution, paper) in [(Resolution.fine, Paper.letter), (.fine, .a4)] {
            let output = "\(marks.dir)/marks-\(paper).tif"
            let reply = await marks.pool.render(
                RenderRequest(
                    id: "marks-\(paper)", input: marks.input, output: output, resolution: resolution, paper: paper),
                logger: RenderTestSupport.logger)
            XCTAssertNil(reply.error, reply.error?.message ?? "")
            try assertClassF(output, pages: Self.pages.count, resolution: resolution, paper: paper)
            for (index, spec) in Self.pages.enumerated() {
                check(try FaxImage.readBitmap(output, page: index), spec, "\(paper) page \(index + 1) \(spec.shown)")
            }
        }
        await marks.pool.shutdown()
    }

    func testMarksSurviveFittingInPostScript() async throws {
        let marks = try RenderFixture(self, input: "marks.ps", Self.makePostScript(Self.pages))
        let specs = Self.pages.filter { $0.rotate == 0 }
        let output = "\(marks.dir)/marks-ps.tif"
        let reply = await marks.pool.render(
            RenderRequest(id: "marks-ps", input: marks.input, output: output), logger: RenderTestSupport.logger)
        XCTAssertNil(reply.error, reply.error?.message ?? "")
        try assertClassF(output, pages: specs.count)
        for (index, spec) in specs.enumerated() {
            check(try FaxImage.readBitmap(output, page: index), spec, "PostScript page \(index + 1) \(spec.shown)")
        }
        await marks.pool.shutdown()
    }
}
