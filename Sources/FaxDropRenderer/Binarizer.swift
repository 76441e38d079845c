/// A bilevel page ready for G4: packed rows, 1 bit per pixel, 1 = black, MSB first.
struct BilevelPage {
    var width: Int
    var height: Int
    var bytesPerRow: Int
    var bits: [UInt8]
    /// The last row holding a black pixel, or -1 for a blank page.
    var lastInkRow: Int
    /// Whether some part of the page was dithered as a photograph.
    var hasPhoto: Bool
}

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
/// - blocks that look like photographs (mostly mid-tones with real variation, in a
///   neighbourhood of such blocks) are dithered (Floyd-Steinberg) so they stay recognisable.
///
/// Pages that are already black and white (only values 0 and 255, the usual case for text
/// rendered without anti-aliasing) take a single thresholding pass and cost nothing extra.
final class Binarizer {
    var minimumContrast = 48
    var solidDarkness = 160
    private var capacity = 0
    private var darkness: UnsafeMutablePointer<UInt8>
    private var background: UnsafeMutablePointer<UInt8>
    private var peak: UnsafeMutablePointer<UInt8>
    private var scratch: UnsafeMutablePointer<UInt8>

    init() {
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

    /// Binarises a gray page (0 black, 255 white) of the given vertical resolution.
    func binarize(_ gray: UnsafePointer<UInt8>, stride: Int, width: Int, height: Int, verticalDPI: Int) -> BilevelPage {
        let bytesPerRow = (width + 7) / 8
        var page = BilevelPage(
            width: width, height: height, bytesPerRow: bytesPerRow,
            bits: [UInt8](repeating: 0, count: bytesPerRow * height), lastInkRow: -1, hasPhoto: false)
        // Pass 1: plain threshold, counting the pixels that are neither black nor white.
        var midtones = 0
        page.bits.withUnsafeMutableBufferPointer { bits in
            for y in 0..<height {
                let row = gray + y * stride
                let out = bits.baseAddress! + y * bytesPerRow
                var ink = false
                var x = 0
                while x < width {
                    var byte: UInt8 = 0
                    let end = min(x + 8, width)
                    var bit: UInt8 = 0x80
                    for i in x..<end {
                        let v = row[i]
                        if v < 128 { byte |= bit }
                        if v != 0 && v != 255 { midtones += 1 }
                        bit >>= 1
                    }
                    out[x >> 3] = byte
                    if byte != 0 { ink = true }
                    x = end
                }
                if ink { page.lastInkRow = y }
            }
        }
        if midtones == 0 { return page }
        localThreshold(gray, stride: stride, width: width, height: height, verticalDPI: verticalDPI, into: &page)
        return page
    }

    private func localThreshold(
        _ gray: UnsafePointer<UInt8>, stride: Int, width: Int, height: Int, verticalDPI: Int, into page: inout BilevelPage
    ) {
        let count = width * height
        reserve(count)
        for y in 0..<height {
            let row = gray + y * stride, d = darkness + y * width
            for x in 0..<width { d[x] = 255 &- row[x] }
        }
        // Windows in pixels at 204 dpi across; vertical radii follow the vertical resolution.
        let rx = 12, ry = verticalDPI >= 150 ? 12 : 6
        let px = 2, py = verticalDPI >= 150 ? 2 : 1
        Morphology.rectangle(darkness, peak, scratch: scratch, width: width, height: height, rx: rx, ry: ry, .minimum)
        Morphology.rectangle(peak, background, scratch: scratch, width: width, height: height, rx: rx, ry: ry, .maximum)
        Morphology.rectangle(darkness, peak, scratch: scratch, width: width, height: height, rx: px, ry: py, .maximum)

        let photo = PhotoMask(darkness: darkness, width: width, height: height)
        page.hasPhoto = photo.any
        let minimumContrast = self.minimumContrast, solidDarkness = self.solidDarkness
        let bytesPerRow = page.bytesPerRow
        page.lastInkRow = -1
        page.bits.withUnsafeMutableBufferPointer { bits in
            for y in 0..<height {
                let d = darkness + y * width, b = background + y * width, p = peak + y * width
                let out = bits.baseAddress! + y * bytesPerRow
                var ink = false
                var x = 0
                while x < width {
                    var byte: UInt8 = 0
                    let end = min(x + 8, width)
                    var bit: UInt8 = 0x80
                    for i in x..<end {
                        let dv = Int(d[i]), bv = Int(b[i]), pv = Int(p[i])
                        let contrast = pv - bv
                        let black =
                            contrast >= minimumContrast ? (2 * dv > pv + bv) : (dv >= solidDarkness)
                        if black { byte |= bit }
                        bit >>= 1
                    }
                    out[x >> 3] = byte
                    x = end
                }
                if photo.any { photo.dither(row: y, darkness: darkness, width: width, into: out) }
                for i in 0..<bytesPerRow where out[i] != 0 {
                    ink = true
                    break
                }
                if ink { page.lastInkRow = y }
            }
        }
    }
}
