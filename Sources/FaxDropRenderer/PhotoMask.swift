import Foundation

/// Finds the parts of a page that are photographs, and dithers them.
///
/// The page is cut into 16×16 blocks, each described by its share of mid-tones, its
/// variance and its flatness (the share of pixels near its most common value):
/// - a *candidate* block is mostly mid-tones (a tint, a fill, or part of a photo);
/// - a *textured* candidate also varies and is not flat: a photo's texture, where a tint,
///   even with text on it, stays flat around its own level.
/// Candidates that touch form regions; a region is a photograph when enough of it is
/// textured. Photographs (grown by one block, to take in their edges) are screened with
/// clustered dots; flat regions are left to the threshold, which turns tints white and
/// keeps the text on them.
final class PhotoMask {
    static let block = 16
    let blocksAcross: Int
    let blocksDown: Int
    private var photo: [Bool]
    private var rowHasPhoto: [Bool]
    let any: Bool

    /// `activeTiles[ty * tilesAcross + tx]` says whether a `tileSize` tile holds light
    /// midtones; blocks outside active tiles cannot look photographic and are skipped.
    init(gray: UnsafePointer<UInt8>, stride: Int, width: Int, height: Int, activeTiles: [Bool], tileSize: Int) {
        let n = PhotoMask.block
        blocksAcross = (width + n - 1) / n
        blocksDown = (height + n - 1) / n
        let tilesAcross = (width + tileSize - 1) / tileSize
        let blockCount = blocksAcross * blocksDown
        var candidate = [Bool](repeating: false, count: blockCount)
        var textured = [Bool](repeating: false, count: blockCount)
        var histogram = [Int](repeating: 0, count: 256)
        for by in 0..<blocksDown {
            let y0 = by * n, y1 = min(height, y0 + n)
            for bx in 0..<blocksAcross where activeTiles[(y0 / tileSize) * tilesAcross + (bx * n) / tileSize] {
                let x0 = bx * n, x1 = min(width, x0 + n)
                var sum = 0, sumSquares = 0, mids = 0
                for i in histogram.indices { histogram[i] = 0 }
                for y in y0..<y1 {
                    let row = gray + y * stride
                    for x in x0..<x1 {
                        let v = 255 - Int(row[x])
                        sum += v
                        sumSquares += v * v
                        if v >= 24 && v <= 231 { mids += 1 }
                        histogram[v] += 1
                    }
                }
                let pixels = (x1 - x0) * (y1 - y0)
                guard mids * 2 >= pixels else { continue }
                candidate[by * blocksAcross + bx] = true
                let mean = Double(sum) / Double(pixels)
                let variance = Double(sumSquares) / Double(pixels) - mean * mean
                // Flatness among the mid-tones only: text on a tint is two levels, the tint's
                // and the ink's (which is no mid-tone), so its mid-tones sit at one level.
                var mode = 24
                for v in 25...231 where histogram[v] > histogram[mode] { mode = v }
                var near = 0
                for v in max(24, mode - 8)...min(231, mode + 8) { near += histogram[v] }
                textured[by * blocksAcross + bx] = variance >= 60 && near * 10 < mids * 8
            }
        }
        // Regions of touching candidates; a region is a photograph when a good share of
        // it is textured.
        var photo = [Bool](repeating: false, count: blockCount)
        var seen = [Bool](repeating: false, count: blockCount)
        var found = false
        var stack: [Int] = []
        var region: [Int] = []
        for start in 0..<blockCount where candidate[start] && !seen[start] {
            seen[start] = true
            stack = [start]
            region.removeAll(keepingCapacity: true)
            var texturedCount = 0
            while let b = stack.popLast() {
                region.append(b)
                if textured[b] { texturedCount += 1 }
                let bx = b % blocksAcross, by = b / blocksAcross
                for ny in max(0, by - 1)...min(blocksDown - 1, by + 1) {
                    for nx in max(0, bx - 1)...min(blocksAcross - 1, bx + 1) {
                        let nb = ny * blocksAcross + nx
                        if candidate[nb] && !seen[nb] {
                            seen[nb] = true
                            stack.append(nb)
                        }
                    }
                }
            }
            guard texturedCount >= 4 && texturedCount * 4 >= region.count else { continue }
            found = true
            for b in region {
                let bx = b % blocksAcross, by = b / blocksAcross
                for ny in max(0, by - 1)...min(blocksDown - 1, by + 1) {
                    for nx in max(0, bx - 1)...min(blocksAcross - 1, bx + 1) { photo[ny * blocksAcross + nx] = true }
                }
            }
        }
        let across = blocksAcross
        rowHasPhoto = (0..<blocksDown).map { by in (0..<across).contains { photo[by * across + $0] } }
        self.photo = photo
        self.any = found
    }

    /// A clustered-dot screen (6×6 cells, about 34 lines per inch at 204 dpi): each cell's
    /// dot grows from its centre as the image darkens. Clustered dots make long runs, which
    /// CCITT G4 codes far more compactly than error diffusion's scattered pixels.
    static let cell = 6
    static let screen: [Int] = {
        let n = cell
        let centre = Double(n - 1) / 2
        let order = (0..<(n * n)).sorted { a, b in
            let da = pow(Double(a % n) - centre, 2) + pow(Double(a / n) - centre, 2)
            let db = pow(Double(b % n) - centre, 2) + pow(Double(b / n) - centre, 2)
            return da == db ? a < b : da < db
        }
        var thresholds = [Int](repeating: 0, count: n * n)
        for (rank, index) in order.enumerated() { thresholds[index] = (255 * (2 * rank + 1)) / (2 * n * n) }
        return thresholds
    }()

    /// Screens the photo pixels of row `y` into `out` (packed, 1 = black).
    func dither(row y: Int, gray: UnsafePointer<UInt8>, stride: Int, width: Int, into out: UnsafeMutablePointer<UInt8>) {
        guard rowHasPhoto[y / PhotoMask.block] else { return }
        let rowBase = (y / PhotoMask.block) * blocksAcross
        let g = gray + y * stride
        let screenRow = (y % PhotoMask.cell) * PhotoMask.cell
        let screen = PhotoMask.screen
        for x in 0..<width where photo[rowBase + x / PhotoMask.block] {
            let darkness = 255 - Int(g[x])
            let mask: UInt8 = 0x80 >> UInt8(x & 7)
            if darkness > screen[screenRow + x % PhotoMask.cell] { out[x >> 3] |= mask } else { out[x >> 3] &= ~mask }
        }
    }
}
