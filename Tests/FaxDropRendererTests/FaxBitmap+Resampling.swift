import FaxDropFaxImage
import Foundation

extension FaxBitmap {
    /// The page as 8-bit gray (0 black, 255 white) resampled to square pixels at `dpi`,
    /// bilinear, from a fax page of `sourceDPI` across and down: what OCR reads best.
    func grayResampled(from sourceDPI: (x: Double, y: Double), to dpi: Double) -> (
        width: Int, height: Int, pixels: [UInt8]
    ) {
        let outWidth = Int((Double(width) * dpi / sourceDPI.x).rounded())
        let outHeight = Int((Double(height) * dpi / sourceDPI.y).rounded())
        // Source coordinate, left neighbour and weight of the right one, per output column / row.
        func taps(_ count: Int, source: Int, scale: Double) -> [(Int, Float)] {
            (0..<count).map { i in
                let s = max(0, min(Double(source - 1), (Double(i) + 0.5) / scale - 0.5))
                let left = min(Int(s), source - 2)
                return (left, Float(s - Double(left)))
            }
        }
        let across = taps(outWidth, source: width, scale: dpi / sourceDPI.x)
        let down = taps(outHeight, source: height, scale: dpi / sourceDPI.y)
        var white = [Float](repeating: 0, count: width * height)
        bits.withUnsafeBufferPointer { bits in
            for y in 0..<height {
                let row = y * bytesPerRow
                for x in 0..<width where bits[row + x >> 3] & (0x80 >> UInt8(x & 7)) == 0 { white[y * width + x] = 255 }
            }
        }
        var out = [UInt8](repeating: 255, count: outWidth * outHeight)
        white.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (oy, (y, wy)) in down.enumerated() {
                    let r0 = y * width
                    let r1 = (y + 1) * width
                    for (ox, (x, wx)) in across.enumerated() {
                        let top = src[r0 + x] * (1 - wx) + src[r0 + x + 1] * wx
                        let bottom = src[r1 + x] * (1 - wx) + src[r1 + x + 1] * wx
                        dst[oy * outWidth + ox] = UInt8((top * (1 - wy) + bottom * wy).rounded())
                    }
                }
            }
        }
        return (outWidth, outHeight, out)
    }

    /// Writes `grayResampled` as a binary PGM file (Tesseract reads PNM through Leptonica).
    func writePGM(_ path: String, dpi: Double, sourceDPI: (x: Double, y: Double)) throws {
        let image = grayResampled(from: sourceDPI, to: dpi)
        var data = Data("P5\n\(image.width) \(image.height)\n255\n".utf8)
        data.append(contentsOf: image.pixels)
        try data.write(to: URL(fileURLWithPath: path))
    }
}
