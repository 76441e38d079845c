import FaxDropCore
import FaxDropFaxImage
import XCTest

/// The page-to-gray arithmetic on small synthetic pages, without files.
final class FaxPageRasterTests: XCTestCase {
    /// A page `width`×`height` with the pixels for which `black` is true set.
    func bitmap(width: Int, height: Int, black: (Int, Int) -> Bool) -> FaxBitmap {
        let bytesPerRow = (width + 7) / 8
        var bits = [UInt8](repeating: 0, count: bytesPerRow * height)
        for y in 0..<height {
            for x in 0..<width where black(x, y) { bits[y * bytesPerRow + x / 8] |= 0x80 >> UInt8(x % 8) }
        }
        return FaxBitmap(width: width, height: height, packedRows: bits)
    }

    func testFullSizeIsBlackAndWhiteWithRowsRepeated() {
        let page = bitmap(width: 10, height: 3) { x, y in x == y }
        let gray = FaxPageRaster(bitmap: page, rowRepeat: 2).gray(maxWidth: nil)
        XCTAssertEqual(gray.width, 10)
        XCTAssertEqual(gray.height, 6)
        for y in 0..<6 {
            for x in 0..<10 { XCTAssertEqual(gray.value(x: x, y: y), x == y / 2 ? 0 : 255, "(\(x), \(y))") }
        }
        // A width at or over the page's is full size too.
        XCTAssertEqual(FaxPageRaster(bitmap: page, rowRepeat: 2).gray(maxWidth: 10), gray)
    }

    func testExactBlocksAverageTheirPixels() {
        // 8×8 page, left half black, one more black pixel top right.
        let page = bitmap(width: 8, height: 8) { x, y in x < 4 || (x == 7 && y == 0) }
        let gray = FaxPageRaster(bitmap: page, rowRepeat: 1).gray(maxWidth: 2)
        XCTAssertEqual(gray.width, 2)
        XCTAssertEqual(gray.height, 2)
        XCTAssertEqual(gray.pixels, [0, UInt8((255 * (15.0 / 16)).rounded()), 0, 255])
    }

    func testFractionalBlocksShareBoundaryPixels() {
        // 3 columns into 2: the middle column is split half and half.
        let page = bitmap(width: 3, height: 1) { x, _ in x == 1 }
        let gray = FaxPageRaster(bitmap: page, rowRepeat: 1).gray(maxWidth: 2)
        XCTAssertEqual(gray.width, 2)
        XCTAssertEqual(gray.height, 1)
        // Each output pixel covers 1.5 columns, of which 0.5 is black: a third black.
        XCTAssertEqual(gray.pixels, [170, 170])
    }

    func testNormalResolutionCountsEachRowTwice() {
        // 4×2 normal page → square 4×4 → 2×2 thumbnail: the black first row fills the top half.
        let page = bitmap(width: 4, height: 2) { _, y in y == 0 }
        let gray = FaxPageRaster(bitmap: page, rowRepeat: 2).gray(maxWidth: 2)
        XCTAssertEqual(gray.height, 2)
        XCTAssertEqual(gray.pixels, [0, 0, 255, 255])
        XCTAssertEqual(FaxPagePNG.rowRepeat(verticalDPI: 98), 2)
        XCTAssertEqual(FaxPagePNG.rowRepeat(verticalDPI: 196), 1)
    }
}
