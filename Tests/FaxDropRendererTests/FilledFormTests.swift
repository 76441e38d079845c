import FaxDropCore
import FaxDropFaxImage
import FaxDropRenderClient
import Foundation
import XCTest

/// Filled forms (issue 17): every typed value reads back, whatever the field's style, fill and
/// place on the page; shading goes, borders stay thin; check boxes show their state.
final class FilledFormTests: XCTestCase {
    /// Fine letter: 1728×2156 pixels for 612×792 points.
    static let scale = (x: Double(faxPageWidthPixels) / 612, y: 2156.0 / 792)

    /// A field's rectangle in pixels, inset by `inset` points (negative: grown).
    static func pixels(_ field: FormField, inset: Double = 0) -> (x: Range<Int>, y: Range<Int>) {
        let x0 = Int(((field.x + inset) * scale.x).rounded())
        let x1 = Int(((field.x + field.width - inset) * scale.x).rounded())
        let y0 = Int(((792 - field.y - field.height + inset) * scale.y).rounded())
        let y1 = Int(((792 - field.y - inset) * scale.y).rounded())
        return (x0..<x1, y0..<y1)
    }

    /// Renders every corpus page with the real worker; returns the output paths by page.
    func renderCorpus(_ pages: [FormCorpus.Page], in dir: String) async throws -> [String] {
        let pool = RenderTestSupport.makePool(workers: 2)
        var outputs: [String] = []
        for page in pages {
            try writeFile("\(dir)/\(page.name).pdf", page.form.pdf())
            let output = "\(dir)/\(page.name).tif"
            let reply = await pool.render(
                RenderRequest(id: page.name, input: "\(dir)/\(page.name).pdf", output: output),
                logger: RenderTestSupport.logger)
            XCTAssertNil(reply.error, page.name)
            try assertClassF(output, pages: 1)
            outputs.append(output)
        }
        await pool.shutdown()
        return outputs
    }

    func testEveryTypedValueIsReadBackByOCR() async throws {
        try RenderTestSupport.checkExecutable()
        let tesseract = try Tesseract()
        let dir = try RenderTestSupport.scratch(self)
        let pages = FormCorpus.pages()
        let outputs = try await renderCorpus(pages, in: dir)
        var images: [String] = []
        for (page, output) in zip(pages, outputs) {
            let image = "\(dir)/\(page.name).pgm"
            try FaxImage.readBitmap(output, page: 0).writePGM(image, dpi: 300, sourceDPI: (204, 196))
            images.append(image)
        }
        let texts = tesseract.read(images, dpi: 300)
        var typed = 0
        var missing: [String] = []
        for (page, text) in zip(pages, texts) {
            let read = Tesseract.normalized(text)
            for value in page.form.fields.compactMap(\.value) {
                typed += 1
                if !read.contains(Tesseract.normalized(value)) { missing.append("\(page.name): \(value)") }
            }
        }
        XCTAssertGreaterThanOrEqual(typed, 96)
        print("filled forms: \(typed - missing.count) of \(typed) typed values read back by OCR")
        XCTAssertEqual(missing, [], "typed values OCR did not find")
    }

    func testShadingGoesBordersStayThinCheckBoxesShowTheirState() async throws {
        try RenderTestSupport.checkExecutable()
        let dir = try RenderTestSupport.scratch(self)
        let pages = FormCorpus.pages()
        let outputs = try await renderCorpus(pages, in: dir)
        for (page, output) in zip(pages, outputs) {
            let bitmap = try FaxImage.readBitmap(output, page: 0)
            for field in page.form.fields {
                let what = "\(page.name) \(field.name) \(field.style) fill \(field.background ?? [])"
                switch field.kind {
                case .text(let value):
                    // Past the typed value (generously measured), the inside is blank paper.
                    let valueEnd = field.x + 4 + Double(value.count) * 0.62 * field.fontSize + 6
                    let free = Self.pixels(field, inset: 4.5)
                    let freeX = Int(valueEnd * Self.scale.x)..<free.x.upperBound
                    XCTAssertEqual(bitmap.blackCount(x: freeX, y: free.y), 0, "\(what): inside of the field")
                    assertThinEdges(bitmap, field, drawnByGhostscript: !page.form.appearanceStreams, what)
                case .checkBox(let checked):
                    let inside = Self.pixels(field, inset: 3.5)
                    let black =
                        Double(bitmap.blackCount(x: inside.x, y: inside.y)) / Double(inside.x.count * inside.y.count)
                    if checked {
                        XCTAssertGreaterThan(black, 0.15, "\(what): a checked box shows its mark")
                    } else {
                        XCTAssertEqual(black, 0, "\(what): an unchecked box is empty")
                    }
                }
            }
        }
    }

    /// The frame of a text field is one thin solid line (at most 4 pixels, about 1.5 pt) on
    /// each drawn side, bevel and inset shades gone; an underlined field has its line only
    /// (Ghostscript, drawing fields that have no appearance stream, boxes every style).
    func assertThinEdges(
        _ bitmap: FaxBitmap, _ field: FormField, drawnByGhostscript: Bool, _ what: String, line: UInt = #line
    ) {
        let box = Self.pixels(field)
        let column = Int((field.x + field.width - 8) * Self.scale.x)
        let row = (box.y.lowerBound + box.y.upperBound) / 2
        let band = Int(4 * Self.scale.y)
        let top = bitmap.blackCount(x: column..<(column + 1), y: (box.y.lowerBound - 4)..<(box.y.lowerBound + band))
        let bottom = bitmap.blackCount(x: column..<(column + 1), y: (box.y.upperBound - band)..<(box.y.upperBound + 4))
        let right = bitmap.blackCount(x: (box.x.upperBound - band)..<(box.x.upperBound + 4), y: row..<(row + 1))
        XCTAssertTrue((2...4).contains(bottom), "\(what): bottom edge \(bottom) px", line: line)
        if field.style == .underlined && !drawnByGhostscript {
            XCTAssertEqual(top, 0, "\(what): no top edge", line: line)
            XCTAssertEqual(right, 0, "\(what): no right edge", line: line)
        } else {
            XCTAssertTrue((2...4).contains(top), "\(what): top edge \(top) px", line: line)
            XCTAssertTrue((2...4).contains(right), "\(what): right edge \(right) px", line: line)
        }
    }

    /// The same fields moved by 1 to 15 pixels come out the same, moved: no decision depends
    /// on where a field falls on a grid.
    func testShiftedFieldsRenderTheSame() async throws {
        try RenderTestSupport.checkExecutable()
        let dir = try RenderTestSupport.scratch(self)
        let pool = RenderTestSupport.makePool(workers: 2)
        let shifts = [0, 1, 2, 3, 5, 6, 7, 9, 11, 13, 15]
        var bitmaps: [FaxBitmap] = []
        var fields: [FormField] = []
        for shift in shifts {
            // Whole pixels: right by `shift`, down by `shift`.
            let dx = Double(shift) * 612 / Double(faxPageWidthPixels)
            let dy = -Double(shift) * 792 / 2156
            var page: [FormField] = []
            for (i, style) in FormField.Style.allCases.enumerated() {
                for (j, fill) in [[0.85, 0.85, 0.85], [0.80, 0.85, 1.0], [0.75, 0.75, 0.75]].enumerated() {
                    page.append(
                        FormField(
                            name: "f\(i)\(j)", kind: .text(["Margaret Delgado", "03/14/1957", "MBR 4471 0932"][j]),
                            x: 60 + Double(j) * 170 + dx, y: 650 - Double(i) * 60 + dy, width: 150, height: 20,
                            style: style, background: fill))
                }
            }
            let name = "shift-\(shift)"
            try writeFile("\(dir)/\(name).pdf", FilledForm(fields: page, labels: [], appearanceStreams: true).pdf())
            let reply = await pool.render(
                RenderRequest(id: name, input: "\(dir)/\(name).pdf", output: "\(dir)/\(name).tif"),
                logger: RenderTestSupport.logger)
            XCTAssertNil(reply.error)
            bitmaps.append(try FaxImage.readBitmap("\(dir)/\(name).tif", page: 0))
            if shift == 0 { fields = page }
        }
        await pool.shutdown()
        let reference = bitmaps[0]
        for (shift, bitmap) in zip(shifts, bitmaps).dropFirst() {
            for field in fields {
                let box = Self.pixels(field, inset: -3)
                var differing = 0
                var ink = 0
                for y in box.y {
                    for x in box.x {
                        let was = reference.isBlack(x: x, y: y)
                        if was { ink += 1 }
                        if was != bitmap.isBlack(x: x + shift, y: y + shift) { differing += 1 }
                    }
                }
                XCTAssertGreaterThan(ink, 0)
                // Ghostscript itself may cover one more row or column of a frame edge at
                // another fractional position; anything beyond that is the binarizer's doing.
                XCTAssertLessThanOrEqual(
                    differing, box.x.count + box.y.count,
                    "field \(field.name) (\(field.style)) moved by \(shift) px: \(differing) of \(ink) px differ")
            }
        }
    }
}
