/// Finds the parts of a page that are photographs, and dithers them.
///
/// The page is cut into 16×16 blocks. A block looks photographic when most of its pixels
/// are mid-tones and they vary (a flat tint has mid-tones but no variation; text has
/// variation but few mid-tones). A block is treated as photo when enough blocks around it
/// (7×7 neighbourhood) look photographic too, so isolated coloured glyphs or anti-aliased
/// scan text never get dithered. Photo pixels are dithered with Floyd-Steinberg error
/// diffusion, row by row, in step with the caller's thresholding pass.
final class PhotoMask {
    static let block = 16
    let blocksAcross: Int
    let blocksDown: Int
    private var photo: [Bool]
    let any: Bool
    private var errorHere: [Int]
    private var errorNext: [Int]

    init(darkness: UnsafePointer<UInt8>, width: Int, height: Int) {
        let n = PhotoMask.block
        blocksAcross = (width + n - 1) / n
        blocksDown = (height + n - 1) / n
        var looksPhotographic = [Bool](repeating: false, count: blocksAcross * blocksDown)
        var sum = [Int](repeating: 0, count: blocksAcross)
        var sumSquares = [Int](repeating: 0, count: blocksAcross)
        var mids = [Int](repeating: 0, count: blocksAcross)
        for by in 0..<blocksDown {
            for i in 0..<blocksAcross {
                sum[i] = 0
                sumSquares[i] = 0
                mids[i] = 0
            }
            let y0 = by * n, y1 = min(height, y0 + n)
            for y in y0..<y1 {
                let row = darkness + y * width
                for x in 0..<width {
                    let v = Int(row[x])
                    let i = x / n
                    sum[i] += v
                    sumSquares[i] += v * v
                    if v >= 24 && v <= 231 { mids[i] += 1 }
                }
            }
            for bx in 0..<blocksAcross {
                let pixels = (min(width, (bx + 1) * n) - bx * n) * (y1 - y0)
                let mean = Double(sum[bx]) / Double(pixels)
                let variance = Double(sumSquares[bx]) / Double(pixels) - mean * mean
                looksPhotographic[by * blocksAcross + bx] = mids[bx] * 10 >= pixels * 6 && variance >= 100
            }
        }
        var photo = [Bool](repeating: false, count: blocksAcross * blocksDown)
        var found = false
        for by in 0..<blocksDown {
            for bx in 0..<blocksAcross {
                var votes = 0
                for ny in max(0, by - 3)...min(blocksDown - 1, by + 3) {
                    for nx in max(0, bx - 3)...min(blocksAcross - 1, bx + 3)
                    where looksPhotographic[ny * blocksAcross + nx] {
                        votes += 1
                    }
                }
                let own = looksPhotographic[by * blocksAcross + bx]
                if votes >= 20 || (own && votes >= 10) {
                    photo[by * blocksAcross + bx] = true
                    found = true
                }
            }
        }
        self.photo = photo
        self.any = found
        errorHere = [Int](repeating: 0, count: width + 2)
        errorNext = [Int](repeating: 0, count: width + 2)
    }

    /// Dithers the photo pixels of row `y` into `out` (packed, 1 = black). Rows must come
    /// in order, top to bottom.
    func dither(row y: Int, darkness: UnsafePointer<UInt8>, width: Int, into out: UnsafeMutablePointer<UInt8>) {
        swap(&errorHere, &errorNext)
        for i in errorNext.indices { errorNext[i] = 0 }
        let rowBase = (y / PhotoMask.block) * blocksAcross
        let d = darkness + y * width
        for x in 0..<width where photo[rowBase + x / PhotoMask.block] {
            let value = Int(d[x]) + errorHere[x + 1]
            let black = value >= 128
            let mask: UInt8 = 0x80 >> UInt8(x & 7)
            if black { out[x >> 3] |= mask } else { out[x >> 3] &= ~mask }
            let error = value - (black ? 255 : 0)
            errorHere[x + 2] += error * 7 / 16
            errorNext[x] += error * 3 / 16
            errorNext[x + 1] += error * 5 / 16
            errorNext[x + 2] += error / 16
        }
    }
}
