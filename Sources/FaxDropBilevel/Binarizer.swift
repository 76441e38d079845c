/// Turns an 8-bit gray page into black and white for fax (issue 3).
///
/// Ghostscript's default halftone turns gray and coloured text into dotted glyphs and
/// tints into dither noise, which costs several times the bytes on the wire. Instead each
/// pixel is cut halfway between the darkness of the stroke it belongs to and the darkness
/// of its own background (a local, top-hat style threshold):
/// - darkness `d = 255 - gray`; background `B` = morphological opening of `d` over a window
///   wider than any text stroke (~3 mm), so strokes vanish and tints remain; stroke peak
///   `P` = local maximum of `d` over a few pixels;
/// - a pixel is black when the stroke stands out of its background (`P - B` at least
///   `minimumContrast`) and the pixel is past the midpoint (`2d > P + B`), or when it lies
///   in a flat area that is itself dark (`d >= solidDarkness`);
/// - flat tints and coloured backgrounds therefore become white, text and line art of any
///   colour stay solid;
/// - the peak window reaches about 1.8 pt and a pixel must be clearly past the midpoint, so
///   a gray line lying against a darker one (the light and dark edges of a bevelled or
///   inset form field, inside its border) goes white: the border stays one thin solid line;
/// - regions of continuous tone (photographs, judged by their texture, never by their
///   place or mean brightness: see `PhotoMask`) are screened with clustered dots, keeping
///   the dark strokes the threshold found on them.
///
/// Pages that are already black and white (only values 0 and 255, the usual case for text
/// rendered without anti-aliasing) take a single thresholding pass and cost nothing extra.
public final class Binarizer {
    public var minimumContrast = 48
    public var solidDarkness = 160
    /// How far past the midpoint between a stroke and its background a pixel must be to be
    /// black (darkness levels, doubled): a 50 % gray line beside black goes white.
    public var midpointMargin = 16
    private var capacity = 0
    private let workspace = Morphology.Workspace()
    private var darkness: UnsafeMutablePointer<UInt8>
    private var background: UnsafeMutablePointer<UInt8>
    private var peak: UnsafeMutablePointer<UInt8>
    private var scratch: UnsafeMutablePointer<UInt8>

    public init() {
        darkness = .allocate(capacity: 1)
        background = .allocate(capacity: 1)
        peak = .allocate(capacity: 1)
        scratch = .allocate(capacity: 1)
    }

    deinit {
        darkness.deallocate()
        background.deallocate()
        peak.deallocate()
        scratch.deallocate()
    }

    private func reserve(_ count: Int) {
        guard count > capacity else { return }
        for p in [darkness, background, peak, scratch] { p.deallocate() }
        darkness = .allocate(capacity: count)
        background = .allocate(capacity: count)
        peak = .allocate(capacity: count)
        scratch = .allocate(capacity: count)
        capacity = count
    }

    /// Tiles (pixels square) in which light midtones are looked for; only tiles holding some
    /// get the local threshold. A pure black or pure white pixel thresholds the same whatever
    /// its neighbourhood, and a dark gray one (below 96) comes out black unless it sits in
    /// a dark fill next to a darker stroke, so tiles without light midtones keep pass 1's
    /// plain threshold (text pages in gray ink cost nothing extra).
    static let tile = 64

    /// Binarises a gray page (0 black, 255 white) of the given vertical resolution.
    public func binarize(_ gray: UnsafePointer<UInt8>, stride: Int, width: Int, height: Int, verticalDPI: Int)
        -> BilevelPage
    {
        let bytesPerRow = (width + 7) / 8
        var page = BilevelPage(
            width: width, height: height, bytesPerRow: bytesPerRow,
            bits: [UInt8](repeating: 0, count: bytesPerRow * height), lastInkRow: -1, hasPhoto: false)
        let t = Binarizer.tile
        let tilesAcross = (width + t - 1) / t
        let tilesDown = (height + t - 1) / t
        var tileMidtones = [Int](repeating: 0, count: tilesAcross * tilesDown)
        // Pass 1: plain threshold, counting per tile the pixels that are neither black nor white.
        var midtones = 0
        page.bits.withUnsafeMutableBufferPointer { bits in
            tileMidtones.withUnsafeMutableBufferPointer { counts in
                for y in 0..<height {
                    let row = gray + y * stride
                    let out = bits.baseAddress! + y * bytesPerRow
                    let countRow = counts.baseAddress! + (y / t) * tilesAcross
                    var x = 0
                    while x < width {
                        let end = min(x + 8, width)
                        if end - x == 8 {
                            // Eight pixels at once (little-endian: the first pixel is the low byte).
                            let word = UnsafeRawPointer(row + x).loadUnaligned(as: UInt64.self)
                            if word == UInt64.max {
                                out[x >> 3] = 0
                                x = end
                                continue
                            }
                            // Every byte 0 or 255: its bits all equal their neighbours.
                            if (word ^ (word << 1)) & 0xFEFE_FEFE_FEFE_FEFE == 0 {
                                let dark = (~word & 0x8080_8080_8080_8080) >> 7
                                out[x >> 3] = UInt8(truncatingIfNeeded: (dark &* 0x8040_2010_0804_0201) >> 56)
                                x = end
                                continue
                            }
                        }
                        var byte: UInt8 = 0
                        var mids = 0
                        var bit: UInt8 = 0x80
                        for i in x..<end {
                            let v = row[i]
                            if v < 128 { byte |= bit }
                            if v >= 96 && v != 255 { mids += 1 }  // a light midtone
                            bit >>= 1
                        }
                        out[x >> 3] = byte
                        if mids > 0 { countRow[x / t] += mids }
                        x = end
                    }
                }
            }
        }
        midtones = tileMidtones.reduce(0, +)
        if midtones > 0 {
            page.local = tileMidtones.filter { $0 > 0 }.count
            localThreshold(
                gray, stride: stride, width: width, height: height, verticalDPI: verticalDPI,
                tileMidtones: tileMidtones, into: &page)
            // Photographs need many midtones; only then is the page searched for them.
            if midtones * 100 >= width * height {
                photographs(
                    gray, stride: stride, width: width, height: height, activeTiles: tileMidtones.map { $0 > 0 },
                    into: &page)
            }
        }
        page.lastInkRow = -1
        page.bits.withUnsafeBufferPointer { bits in
            var y = height - 1
            while y >= 0 {
                let row = bits.baseAddress! + y * bytesPerRow
                var ink = false
                for i in 0..<bytesPerRow where row[i] != 0 {
                    ink = true
                    break
                }
                if ink { break }
                y -= 1
            }
            page.lastInkRow = y
        }
        return page
    }

    /// The local threshold, on each horizontal run of tiles that hold midtones (plus a
    /// margin covering the windows' reach), writing only those tiles' bits.
    private func localThreshold(
        _ gray: UnsafePointer<UInt8>, stride: Int, width: Int, height: Int, verticalDPI: Int, tileMidtones: [Int],
        into page: inout BilevelPage
    ) {
        // Windows in pixels at 204 dpi across; vertical radii follow the vertical resolution.
        let rx = 12
        let ry = verticalDPI >= 150 ? 12 : 6
        let px = 5
        let py = verticalDPI >= 150 ? 5 : 3
        let haloX = 2 * rx + px
        let haloY = 2 * ry + py
        let t = Binarizer.tile
        let tilesAcross = (width + t - 1) / t
        let tilesDown = (height + t - 1) / t
        reserve((t * tilesAcross + 2 * haloX) * (t + 2 * haloY))
        let minimumContrast = self.minimumContrast
        let solidDarkness = self.solidDarkness
        let midpointMargin = self.midpointMargin
        let bytesPerRow = page.bytesPerRow
        page.bits.withUnsafeMutableBufferPointer { bits in
            for ty in 0..<tilesDown {
                var tx = 0
                while tx < tilesAcross {
                    guard tileMidtones[ty * tilesAcross + tx] > 0 else {
                        tx += 1
                        continue
                    }
                    var end = tx
                    while end + 1 < tilesAcross && tileMidtones[ty * tilesAcross + end + 1] > 0 { end += 1 }
                    // Interior (written) and region (computed) rectangles.
                    let ix0 = tx * t
                    let ix1 = min(width, (end + 1) * t)
                    let iy0 = ty * t
                    let iy1 = min(height, (ty + 1) * t)
                    let rx0 = max(0, ix0 - haloX)
                    let rx1 = min(width, ix1 + haloX)
                    let ry0 = max(0, iy0 - haloY)
                    let ry1 = min(height, iy1 + haloY)
                    let w = rx1 - rx0
                    let h = ry1 - ry0
                    for y in 0..<h {
                        let src = gray + (ry0 + y) * stride + rx0
                        let d = darkness + y * w
                        for x in 0..<w { d[x] = 255 &- src[x] }
                    }
                    Morphology.rectangle(
                        darkness, peak, scratch: scratch, width: w, height: h, rx: rx, ry: ry, .minimum,
                        workspace: workspace)
                    Morphology.rectangle(
                        peak, background, scratch: scratch, width: w, height: h, rx: rx, ry: ry, .maximum,
                        workspace: workspace)
                    Morphology.rectangle(
                        darkness, peak, scratch: scratch, width: w, height: h, rx: px, ry: py, .maximum,
                        workspace: workspace)
                    for y in iy0..<iy1 {
                        let offset = (y - ry0) * w - rx0
                        let d = darkness + offset
                        let b = background + offset
                        let p = peak + offset
                        let out = bits.baseAddress! + y * bytesPerRow
                        var x = ix0
                        while x < ix1 {
                            var byte: UInt8 = 0
                            var bit: UInt8 = 0x80
                            for i in x..<min(x + 8, ix1) {
                                let dv = Int(d[i])
                                let bv = Int(b[i])
                                let pv = Int(p[i])
                                let black =
                                    pv - bv >= minimumContrast
                                    ? (2 * dv > pv + bv + midpointMargin) : (dv >= solidDarkness)
                                if black { byte |= bit }
                                bit >>= 1
                            }
                            out[x >> 3] = byte
                            x += 8
                        }
                    }
                    tx = end + 1
                }
            }
        }
    }

    /// Screens the parts of the page that are photographs (see `PhotoMask`), keeping the
    /// threshold's dark strokes on them.
    private func photographs(
        _ gray: UnsafePointer<UInt8>, stride: Int, width: Int, height: Int, activeTiles: [Bool],
        into page: inout BilevelPage
    ) {
        let photo = PhotoMask(
            gray: gray, stride: stride, width: width, height: height, activeTiles: activeTiles, tileSize: Binarizer.tile
        )
        guard photo.any else { return }
        page.hasPhoto = true
        let bytesPerRow = page.bytesPerRow
        page.bits.withUnsafeMutableBufferPointer { bits in
            for y in 0..<height {
                photo.screen(
                    row: y, gray: gray, stride: stride, width: width, into: bits.baseAddress! + y * bytesPerRow)
            }
        }
    }
}
