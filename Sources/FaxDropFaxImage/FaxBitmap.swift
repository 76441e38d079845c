import CTIFF
import FaxDropCore

/// One decoded bilevel fax page: packed rows, 1 bit per pixel, 1 = black, most significant
/// bit first.
public struct FaxBitmap: Sendable {
    public var width: Int
    public var height: Int
    public var bytesPerRow: Int
    public var bits: [UInt8]

    public func isBlack(x: Int, y: Int) -> Bool {
        guard x >= 0, y >= 0, x < width, y < height else { return false }
        return bits[y * bytesPerRow + x >> 3] & (0x80 >> UInt8(x & 7)) != 0
    }

    /// Black pixels inside a rectangle (clipped to the page).
    public func blackCount(x: Range<Int>, y: Range<Int>) -> Int {
        let xs = x.clamped(to: 0..<width)
        let ys = y.clamped(to: 0..<height)
        var n = 0
        for row in ys { for col in xs where isBlack(x: col, y: row) { n += 1 } }
        return n
    }

    /// Fraction of black pixels on the page.
    public var blackFraction: Double {
        var n = 0
        for y in 0..<height {
            let start = y * bytesPerRow
            for x in 0..<(width >> 3) { n += bits[start + x].nonzeroBitCount }
        }
        return Double(n) / Double(max(1, width * height))
    }
}

extension FaxBitmap {
    /// A page from packed rows of `(width + 7) / 8` bytes each.
    public init(width: Int, height: Int, packedRows bits: [UInt8]) {
        precondition(bits.count == (width + 7) / 8 * height)
        self.init(width: width, height: height, bytesPerRow: (width + 7) / 8, bits: bits)
    }
}

extension FaxImage {
    /// Decodes one page (0-based) of a bilevel TIFF. The corresponding C function is
    /// `TIFFReadScanline` (libtiff undoes the fill order and the CCITT coding).
    public static func readBitmap(_ path: String, page: Int) throws -> FaxBitmap {
        faxdrop_tiff_quiet()
        guard let tif = TIFFOpen(path, "r") else { throw ReadError(path: path, message: "TIFF file cannot be opened") }
        defer { TIFFClose(tif) }
        guard TIFFSetDirectory(tif, UInt32(page)) == 1 else {
            throw ReadError(path: path, message: "no page \(page + 1)")
        }
        let info = FaxImage.currentPage(tif)
        guard info.bitsPerSample == 1 else { throw ReadError(path: path, message: "page \(page + 1) is not bilevel") }
        let bytesPerRow = Int(TIFFScanlineSize(tif))
        var bits = [UInt8](repeating: 0, count: bytesPerRow * info.height)
        let ok = bits.withUnsafeMutableBytes { raw -> Bool in
            for y in 0..<info.height where TIFFReadScanline(tif, raw.baseAddress! + y * bytesPerRow, UInt32(y), 0) != 1
            {
                return false
            }
            return true
        }
        guard ok else { throw ReadError(path: path, message: "page \(page + 1) cannot be decoded") }
        if info.photometric == Int(PHOTOMETRIC_MINISBLACK) {
            for i in bits.indices { bits[i] = ~bits[i] }
        }
        return FaxBitmap(width: info.width, height: info.height, bytesPerRow: bytesPerRow, bits: bits)
    }
}
