import XCTest

@testable import FaxDropBilevel

/// The text/photo decision on synthetic gray pages (issue 17): content decides, not place.
final class PhotoMaskTests: XCTestCase {
    /// A gray page (0 black, 255 white), white to start with.
    struct Page {
        var width: Int
        var height: Int
        var pixels: [UInt8]

        init(width: Int, height: Int) {
            self.width = width
            self.height = height
            pixels = [UInt8](repeating: 255, count: width * height)
        }

        mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ value: UInt8) {
            for row in max(0, y)..<min(height, y + h) {
                for col in max(0, x)..<min(width, x + w) { pixels[row * width + col] = value }
            }
        }

        /// A bevelled form field: tint, a 3-pixel black border, a light upper-left and a
        /// dark lower-right inner edge (3 pixels each), and "typed" strokes on the tint.
        mutating func bevelledField(x: Int, y: Int, tint: UInt8, light: UInt8, dark: UInt8) {
            let w = 240
            let h = 56
            fill(x: x, y: y, width: w, height: h, 0)
            fill(x: x + 3, y: y + 3, width: w - 6, height: h - 6, light)
            fill(x: x + 6, y: y + 6, width: w - 9, height: h - 9, dark)
            fill(x: x + 6, y: y + 6, width: w - 12, height: h - 12, tint)
            for i in 0..<12 { fill(x: x + 14 + i * 14, y: y + 16, width: 3, height: 24, 0) }  // stems
            for i in 0..<6 { fill(x: x + 14 + i * 28, y: y + 16, width: 17, height: 3, 0) }  // bars
        }

        /// Continuous tone: waves of light and shade with grain, like a photograph.
        mutating func photo(x: Int, y: Int, width w: Int, height h: Int) {
            var seed: UInt32 = 12345
            for row in 0..<h {
                for col in 0..<w {
                    seed = seed &* 1_103_515_245 &+ 12345
                    let grain = Double(Int(seed >> 16) % 13) - 6
                    let wave = 60 * sin(Double(col) / 7) * cos(Double(row) / 9) + 30 * sin(Double(col + row) / 23)
                    pixels[(y + row) * width + x + col] = UInt8(max(30, min(225, 128 + wave + grain)))
                }
            }
        }

        func mask() -> PhotoMask {
            pixels.withUnsafeBufferPointer {
                PhotoMask(gray: $0.baseAddress!, stride: width, width: width, height: height)
            }
        }

        func binarized() -> BilevelPage {
            pixels.withUnsafeBufferPointer {
                Binarizer().binarize($0.baseAddress!, stride: width, width: width, height: height, verticalDPI: 196)
            }
        }
    }

    func testBevelledAndInsetFieldsAreNeverPhotographsWhereverTheyFall() {
        for (tint, light, dark) in [(217, 255, 108), (217, 128, 191), (191, 255, 96), (230, 255, 115)]
            as [(UInt8, UInt8, UInt8)]
        {
            for shift in 0..<16 {
                var page = Page(width: 420, height: 260)
                // Six identical fields, as on the page of the issue, each at its own offset.
                for i in 0..<6 {
                    page.bevelledField(
                        x: 8 + shift + (i % 2) * 3, y: 4 + i / 2 * 80 + shift / 2 + i, tint: tint, light: light,
                        dark: dark)
                }
                XCTAssertFalse(page.mask().any, "tint \(tint), edges \(light)/\(dark), shifted \(shift)")
            }
        }
    }

    func testFlatTintsAndScannerGrainAreNotPhotographs() {
        var page = Page(width: 400, height: 400)
        page.fill(x: 0, y: 0, width: 400, height: 200, 150)  // a large mid-gray tint
        var seed: UInt32 = 7
        for row in 200..<400 {
            for col in 0..<400 {
                seed = seed &* 1_103_515_245 &+ 12345
                page.pixels[row * 400 + col] = UInt8(190 + Int(seed >> 16) % 9)  // grainy scanned tint
            }
        }
        XCTAssertFalse(page.mask().any)
    }

    func testContinuousToneIsAPhotographWhereverItFalls() {
        for shift in [0, 1, 3, 7, 11] {
            var page = Page(width: 400, height: 400)
            page.photo(x: 60 + shift, y: 50 + shift, width: 240, height: 200)
            let mask = page.mask()
            var inside = 0
            var covered = 0
            for y in stride(from: 60 + shift, to: 240 + shift, by: 2) {
                for x in stride(from: 70 + shift, to: 290 + shift, by: 2) {
                    inside += 1
                    if mask.isPhoto(x: x, y: y) { covered += 1 }
                }
            }
            XCTAssertGreaterThan(Double(covered) / Double(inside), 0.98, "shift \(shift)")
            // Nothing far outside the picture.
            XCTAssertFalse(mask.isPhoto(x: 20, y: 20))
            XCTAssertFalse(mask.isPhoto(x: 350, y: 350))
        }
    }

    func testTextOnAPhotographStaysSolidAndThePhotoIsScreened() {
        var page = Page(width: 400, height: 400)
        page.photo(x: 40, y: 40, width: 320, height: 320)
        var strokes: [(Int, Int, Int, Int)] = []
        for i in 0..<10 { strokes.append((80 + i * 24, 150, 4, 40)) }
        strokes.append((80, 190, 220, 4))
        for (x, y, w, h) in strokes { page.fill(x: x, y: y, width: w, height: h, 0) }
        let bilevel = page.binarized()
        XCTAssertTrue(bilevel.hasPhoto)
        func black(_ x: Int, _ y: Int) -> Bool {
            bilevel.bits[y * bilevel.bytesPerRow + x >> 3] & (0x80 >> UInt8(x & 7)) != 0
        }
        for (x, y, w, h) in strokes {
            for row in y..<(y + h) {
                for col in x..<(x + w) { XCTAssertTrue(black(col, row), "stroke pixel \(col),\(row)") }
            }
        }
        // The picture away from the text is screened: mid-tones become a mix of dots.
        var dots = 0
        var total = 0
        for y in 260..<340 {
            for x in 60..<340 {
                total += 1
                if black(x, y) { dots += 1 }
            }
        }
        let share = Double(dots) / Double(total)
        XCTAssertTrue(share > 0.25 && share < 0.75, "screened share \(share)")
    }

    func testAFieldBinarizesTheSameWhereverItFalls() {
        func field(_ shift: Int) -> BilevelPage {
            var page = Page(width: 320, height: 120)
            page.bevelledField(x: 20 + shift, y: 20 + shift, tint: 217, light: 128, dark: 191)
            return page.binarized()
        }
        let reference = field(0)
        func black(_ p: BilevelPage, _ x: Int, _ y: Int) -> Bool {
            p.bits[y * p.bytesPerRow + x >> 3] & (0x80 >> UInt8(x & 7)) != 0
        }
        for shift in 1...15 {
            let moved = field(shift)
            for y in 10..<90 {
                for x in 10..<270 where black(reference, x, y) != black(moved, x + shift, y + shift) {
                    XCTFail("shift \(shift): pixel \(x),\(y) differs")
                    return
                }
            }
        }
        // The tint is white, the border one thin line: 3 black rows across the top edge.
        let column = 200
        XCTAssertEqual((12..<34).filter { black(reference, column, $0) }.count, 3)
    }
}
