/// An 8-bit gray raster (0 black, 255 white) owned by Swift, with its resolution if known.
struct GrayImage {
    var width: Int
    var height: Int
    var pixels: [UInt8]
    /// Dots per inch across and down, when the file says.
    var dpi: (x: Double, y: Double)?

    init(width: Int, height: Int, pixels: [UInt8], dpi: (x: Double, y: Double)?) {
        self.width = width
        self.height = height
        self.pixels = pixels
        self.dpi = dpi
    }

    init(width: Int, height: Int, fill: UInt8) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: fill, count: width * height), dpi: nil)
    }

    /// Turned a quarter counter-clockwise (the top edge becomes the left edge).
    func rotatedCounterClockwise() -> GrayImage {
        var out = [UInt8](repeating: 255, count: width * height)
        let w = width
        let h = height
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                // New image is h wide, w high: new(x', y') = old(x = w-1-y', y = x').
                for y in 0..<h {
                    for x in 0..<w { dst[(w - 1 - x) * h + y] = src[y * w + x] }
                }
            }
        }
        return GrayImage(width: h, height: w, pixels: out, dpi: dpi.map { ($0.y, $0.x) })
    }

    /// Turned a quarter clockwise (the top edge becomes the right edge).
    func rotatedClockwise() -> GrayImage {
        rotatedCounterClockwise().rotatedHalf()
    }

    /// Turned upside down.
    func rotatedHalf() -> GrayImage {
        GrayImage(width: width, height: height, pixels: pixels.reversed(), dpi: dpi)
    }

    /// Upright as EXIF `Orientation` says it should be shown (1 as stored, 3 turned
    /// half, 6 turned clockwise, 8 counter-clockwise; mirrored values are turned only).
    func orientedForDisplay(exifOrientation: Int) -> GrayImage {
        switch exifOrientation {
        case 3, 4: return rotatedHalf()
        case 5, 6: return rotatedClockwise()
        case 7, 8: return rotatedCounterClockwise()
        default: return self
        }
    }

    /// Resampled to `newWidth`×`newHeight` by area averaging (each output pixel is the
    /// mean of the source area it covers; enlarging degrades to linear-ish interpolation).
    func resampled(width newWidth: Int, height newHeight: Int) -> GrayImage {
        let across = GrayImage.weights(source: width, target: newWidth)
        let down = GrayImage.weights(source: height, target: newHeight)
        // Horizontal pass into floats, then vertical.
        var temp = [Float](repeating: 0, count: newWidth * height)
        pixels.withUnsafeBufferPointer { src in
            temp.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let row = y * width
                    let outRow = y * newWidth
                    for x in 0..<newWidth {
                        var acc: Float = 0
                        for (i, w) in across[x] { acc += Float(src[row + i]) * w }
                        dst[outRow + x] = acc
                    }
                }
            }
        }
        var out = [UInt8](repeating: 255, count: newWidth * newHeight)
        temp.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var line = [Float](repeating: 0, count: newWidth)
                for y in 0..<newHeight {
                    for x in 0..<newWidth { line[x] = 0 }
                    for (j, w) in down[y] {
                        let row = j * newWidth
                        for x in 0..<newWidth { line[x] += src[row + x] * w }
                    }
                    let outRow = y * newWidth
                    for x in 0..<newWidth { dst[outRow + x] = UInt8(max(0, min(255, line[x].rounded()))) }
                }
            }
        }
        return GrayImage(width: newWidth, height: newHeight, pixels: out, dpi: nil)
    }

    /// For each target index, the source indexes it covers and their weights (summing to 1).
    static func weights(source: Int, target: Int) -> [[(Int, Float)]] {
        let scale = Double(source) / Double(target)
        return (0..<target).map { t in
            var start = Double(t) * scale
            var end = Double(t + 1) * scale
            if scale < 1 {
                // Enlarging: cover one source pixel's width centred on the sample.
                let centre = (Double(t) + 0.5) * scale
                start = centre - 0.5
                end = centre + 0.5
            }
            var list: [(Int, Float)] = []
            var total = 0.0
            var i = Int(start.rounded(.down))
            while Double(i) < end {
                let overlap = min(end, Double(i + 1)) - max(start, Double(i))
                if overlap > 1e-9 {
                    let index = min(max(i, 0), source - 1)
                    list.append((index, Float(overlap)))
                    total += overlap
                }
                i += 1
            }
            return list.map { ($0.0, Float(Double($0.1) / total)) }
        }
    }

    /// Copies `image` into this one with its top-left corner at (x, y).
    mutating func paste(_ image: GrayImage, x: Int, y: Int) {
        let w = width
        pixels.withUnsafeMutableBufferPointer { dst in
            image.pixels.withUnsafeBufferPointer { src in
                for row in 0..<image.height where y + row >= 0 && y + row < height {
                    for col in 0..<image.width where x + col >= 0 && x + col < w {
                        dst[(y + row) * w + x + col] = src[row * image.width + col]
                    }
                }
            }
        }
    }
}
