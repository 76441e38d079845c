/// Finds the parts of a page that are photographs (continuous tone), and screens them.
///
/// The decision rests on content only, never on a grid or on mean brightness (issue 17):
/// - a pixel is *smooth tone* when it is a mid-tone that differs from a 4-neighbour by a
///   little but never by a sharp step (1 to `maximumStep` levels): the texture of a photo.
///   A flat tint differs from no neighbour; a stroke, a border or a bevel line differs
///   sharply at its edges and not at all inside;
/// - the page is summarised on 4×4-pixel cells: a cell is *toned* when at least
///   `minimumSmooth` of its pixels are smooth tone and the smooth-tone levels around it
///   (3×3 cells) spread over at least `minimumSpread` gray levels (a scanned tint's grain is
///   smooth but narrow);
/// - a cell is photograph where at least half of the 7×7 cells around it are toned, then
///   the photograph is closed over gaps of up to 6 cells (skies and walls inside a picture)
///   and grown by one cell to take in its edges.
/// Every window slides cell by cell, so moving a field or a picture moves the decision with
/// it (to within one 4-pixel cell at a photograph's edge); a tint with text and grey edges
/// has no smooth tone to speak of, wherever it sits.
struct PhotoMask {
    static let cell = 4
    static let maximumStep = 40
    static let minimumSmooth = 6
    static let minimumSpread = 24
    static let window = 3  // radius in cells of the density window (7×7)
    static let closing = 3  // radius in cells of the closing

    let cellsAcross: Int
    let cellsDown: Int
    /// One flag per cell, row by row.
    private(set) var photo: [Bool]
    private var rowHasPhoto: [Bool]
    let any: Bool

    /// `activeTiles[ty * tilesAcross + tx]`, when given, says which `tileSize` tiles hold
    /// light mid-tones (see `Binarizer`); only those are read. A tile without any is black
    /// and white, or dark gray that the threshold makes black anyway, so skipping it changes
    /// nothing but the cost.
    init(
        gray: UnsafePointer<UInt8>, stride: Int, width: Int, height: Int, activeTiles: [Bool]? = nil, tileSize: Int = 64
    ) {
        let n = PhotoMask.cell
        let across = (width + n - 1) / n
        let down = (height + n - 1) / n
        cellsAcross = across
        cellsDown = down
        let count = across * down
        var smooth = [Int](repeating: 0, count: count)
        var low = [Int](repeating: 255, count: count)
        var high = [Int](repeating: 0, count: count)
        let maximumStep = PhotoMask.maximumStep
        let tilesAcross = (width + tileSize - 1) / tileSize
        smooth.withUnsafeMutableBufferPointer { smooth in
            low.withUnsafeMutableBufferPointer { low in
                high.withUnsafeMutableBufferPointer { high in
                    for y in 0..<height {
                        let row = gray + y * stride
                        let up = y > 0 ? row - stride : row
                        let below = y + 1 < height ? row + stride : row
                        let cellRow = (y / n) * across
                        let tileRow = (y / tileSize) * tilesAcross
                        var tx = 0
                        while tx < tilesAcross {
                            guard activeTiles?[tileRow + tx] ?? true else {
                                tx += 1
                                continue
                            }
                            var end = tx
                            while end + 1 < tilesAcross && (activeTiles?[tileRow + end + 1] ?? true) { end += 1 }
                            let xEnd = min(width, (end + 1) * tileSize)
                            var x = tx * tileSize
                            tx = end + 1
                            while x < xEnd {
                                // Eight pixels at once where none can be smooth tone: white paper,
                                // or one flat level (a tint) equal to the rows above and below and
                                // to the pixels on either side.
                                if x + 8 <= xEnd {
                                    let word = UnsafeRawPointer(row + x).loadUnaligned(as: UInt64.self)
                                    if word == UInt64.max {
                                        x += 8
                                        continue
                                    }
                                    if (word ^ (word >> 8)) & 0x00FF_FFFF_FFFF_FFFF == 0
                                        && word == UnsafeRawPointer(up + x).loadUnaligned(as: UInt64.self)
                                        && word == UnsafeRawPointer(below + x).loadUnaligned(as: UInt64.self)
                                        && (x == 0 || row[x - 1] == row[x]) && (x + 8 == width || row[x + 8] == row[x])
                                    {
                                        x += 8
                                        continue
                                    }
                                }
                                let v = Int(row[x])
                                guard v >= 24 && v <= 231 else {
                                    x += 1
                                    continue
                                }
                                // The largest step to a 4-neighbour.
                                var lowest = v
                                var highest = v
                                let a = Int(row[x > 0 ? x - 1 : x])
                                let b = Int(row[x + 1 < width ? x + 1 : x])
                                let c = Int(up[x])
                                let d = Int(below[x])
                                if a < lowest { lowest = a } else if a > highest { highest = a }
                                if b < lowest { lowest = b } else if b > highest { highest = b }
                                if c < lowest { lowest = c } else if c > highest { highest = c }
                                if d < lowest { lowest = d } else if d > highest { highest = d }
                                let step = v - lowest > highest - v ? v - lowest : highest - v
                                if step >= 1 && step <= maximumStep {
                                    let cell = cellRow + x / n
                                    smooth[cell] += 1
                                    if v < low[cell] { low[cell] = v }
                                    if v > high[cell] { high[cell] = v }
                                }
                                x += 1
                            }
                        }
                    }
                }
            }
        }
        var toned = [Bool](repeating: false, count: count)
        var tonedCount = 0
        for cy in 0..<down {
            for cx in 0..<across where smooth[cy * across + cx] >= PhotoMask.minimumSmooth {
                var lo = 255
                var hi = 0
                for ny in max(0, cy - 1)...min(down - 1, cy + 1) {
                    for nx in max(0, cx - 1)...min(across - 1, cx + 1) where smooth[ny * across + nx] > 0 {
                        lo = min(lo, low[ny * across + nx])
                        hi = max(hi, high[ny * across + nx])
                    }
                }
                toned[cy * across + cx] = hi - lo >= PhotoMask.minimumSpread
                if toned[cy * across + cx] { tonedCount += 1 }
            }
        }
        let r = PhotoMask.window
        let side = 2 * r + 1
        // Too few toned cells for even one photograph cell: the usual text page stops here.
        guard 2 * tonedCount >= side * side else {
            photo = []
            rowHasPhoto = [Bool](repeating: false, count: down)
            any = false
            return
        }
        let sums = PhotoMask.boxSums(toned, across: across, down: down, radius: r)
        var core = sums.map { 2 * $0 >= side * side }
        core = PhotoMask.dilated(core, across: across, down: down, radius: PhotoMask.closing)
        core = PhotoMask.eroded(core, across: across, down: down, radius: PhotoMask.closing)
        photo = PhotoMask.dilated(core, across: across, down: down, radius: 1)
        let mask = photo
        rowHasPhoto = (0..<down).map { cy in (0..<across).contains { mask[cy * across + $0] } }
        any = rowHasPhoto.contains(true)
    }

    /// For each cell, how many `true` cells lie in the (2r+1)² square around it (clipped):
    /// running sums across, then down.
    static func boxSums(_ flags: [Bool], across: Int, down: Int, radius r: Int) -> [Int] {
        var rows = [Int](repeating: 0, count: across * down)
        var sums = [Int](repeating: 0, count: across * down)
        flags.withUnsafeBufferPointer { flags in
            rows.withUnsafeMutableBufferPointer { rows in
                for y in 0..<down {
                    let base = y * across
                    var run = 0
                    // Window [x - r, x + r]: add the cell entering on the right, drop the one leaving.
                    for x in 0..<min(r, across) where flags[base + x] { run += 1 }
                    for x in 0..<across {
                        if x + r < across && flags[base + x + r] { run += 1 }
                        if x - r - 1 >= 0 && flags[base + x - r - 1] { run -= 1 }
                        rows[base + x] = run
                    }
                }
            }
        }
        rows.withUnsafeBufferPointer { rows in
            sums.withUnsafeMutableBufferPointer { sums in
                for y in 0..<down {
                    let base = y * across
                    if y == 0 {
                        for dy in 0..<min(r + 1, down) {
                            for x in 0..<across { sums[x] += rows[dy * across + x] }
                        }
                        continue
                    }
                    let previous = base - across
                    let entering = y + r < down ? (y + r) * across : -1
                    let leaving = y - r - 1 >= 0 ? (y - r - 1) * across : -1
                    for x in 0..<across {
                        var v = sums[previous + x]
                        if entering >= 0 { v += rows[entering + x] }
                        if leaving >= 0 { v -= rows[leaving + x] }
                        sums[base + x] = v
                    }
                }
            }
        }
        return sums
    }

    static func dilated(_ flags: [Bool], across: Int, down: Int, radius: Int) -> [Bool] {
        boxSums(flags, across: across, down: down, radius: radius).map { $0 > 0 }
    }

    /// Eroded with the page's outside counted as set, so a picture touching the page edge
    /// keeps its edge.
    static func eroded(_ flags: [Bool], across: Int, down: Int, radius r: Int) -> [Bool] {
        let sums = boxSums(flags, across: across, down: down, radius: r)
        var out = [Bool](repeating: false, count: flags.count)
        for y in 0..<down {
            let rows = min(down, y + r + 1) - max(0, y - r)
            for x in 0..<across {
                let columns = min(across, x + r + 1) - max(0, x - r)
                out[y * across + x] = sums[y * across + x] == rows * columns
            }
        }
        return out
    }

    func isPhoto(x: Int, y: Int) -> Bool { photo[(y / PhotoMask.cell) * cellsAcross + x / PhotoMask.cell] }

    /// A clustered-dot screen (6×6 cells, about 34 lines per inch at 204 dpi): each cell's
    /// dot grows from its centre as the image darkens. Clustered dots make long runs, which
    /// CCITT G4 codes far more compactly than error diffusion's scattered pixels.
    static let screenCell = 6
    static let screen: [Int] = {
        let n = screenCell
        let centre = Double(n - 1) / 2
        func distance(_ i: Int) -> Double {
            let dx = Double(i % n) - centre
            let dy = Double(i / n) - centre
            return dx * dx + dy * dy
        }
        let order = (0..<(n * n)).sorted { a, b in distance(a) == distance(b) ? a < b : distance(a) < distance(b) }
        var thresholds = [Int](repeating: 0, count: n * n)
        for (rank, index) in order.enumerated() { thresholds[index] = (255 * (2 * rank + 1)) / (2 * n * n) }
        return thresholds
    }()

    /// Text stays text inside a photograph: a pixel the threshold made black and that is
    /// dark itself (a stroke, not a mid-tone) stays black; the rest of the photo is screened.
    static let strokeDarkness = 160

    /// Screens the photo pixels of row `y` into `out` (packed, 1 = black), keeping dark
    /// strokes that the threshold already made black.
    func screen(row y: Int, gray: UnsafePointer<UInt8>, stride: Int, width: Int, into out: UnsafeMutablePointer<UInt8>)
    {
        guard rowHasPhoto[y / PhotoMask.cell] else { return }
        let rowBase = (y / PhotoMask.cell) * cellsAcross
        let g = gray + y * stride
        let screenRow = (y % PhotoMask.screenCell) * PhotoMask.screenCell
        let screen = PhotoMask.screen
        for x in 0..<width where photo[rowBase + x / PhotoMask.cell] {
            let darkness = 255 - Int(g[x])
            let mask: UInt8 = 0x80 >> UInt8(x & 7)
            if out[x >> 3] & mask != 0 && darkness >= PhotoMask.strokeDarkness { continue }
            if darkness > screen[screenRow + x % PhotoMask.screenCell] {
                out[x >> 3] |= mask
            } else {
                out[x >> 3] &= ~mask
            }
        }
    }
}
