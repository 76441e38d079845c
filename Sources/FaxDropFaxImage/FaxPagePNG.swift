import CPNG
import CTIFF
import FaxDropCore
import Foundation

/// One page of a fax TIFF as a PNG, for people to look at: the page exactly as it was sent,
/// made from the fax image itself (never a second render).
///
/// Full size is 1728 pixels wide with square pixels: a normal-resolution page (204×98 dpi)
/// has each row shown twice, so it is not squashed. A thumbnail (`maxWidth` below the page
/// width) is gray: each of its pixels is the share of white in the area of the page it
/// covers (area averaging), so thin strokes of text fade to gray instead of vanishing.
public enum FaxPagePNG {
    /// Pages in the TIFF. The corresponding C function is `TIFFNumberOfDirectories`.
    public static func pageCount(tiff path: String) throws -> Int {
        faxdrop_tiff_quiet()
        guard let tif = TIFFOpen(path, "r") else {
            throw FaxImage.ReadError(path: path, message: "TIFF file cannot be opened")
        }
        defer { TIFFClose(tif) }
        return Int(TIFFNumberOfDirectories(tif))
    }

    /// Page `page` (0-based) as PNG bytes; `maxWidth` `nil` (or not below the page's width)
    /// for full size, otherwise a gray thumbnail that many pixels wide.
    public static func render(tiff path: String, page: Int, maxWidth: Int?) throws -> [UInt8] {
        let pages = try FaxImage.inspect(path)
        guard pages.indices.contains(page) else {
            throw FaxImage.ReadError(path: path, message: "no page \(page + 1): the fax has \(pages.count)")
        }
        if let maxWidth, maxWidth < 1 {
            throw FaxImage.ReadError(path: path, message: "a page cannot be shown \(maxWidth) pixels wide")
        }
        let bitmap = try FaxImage.readBitmap(path, page: page)
        let raster = FaxPageRaster(bitmap: bitmap, rowRepeat: rowRepeat(verticalDPI: pages[page].verticalDPI))
        let gray = raster.gray(maxWidth: maxWidth)
        return try encode(gray, path: path)
    }

    /// How many times each row is shown so that pixels come out square: 2 for a normal
    /// resolution page (about 98 dpi down the page against 204 across), otherwise 1.
    public static func rowRepeat(verticalDPI: Double) -> Int {
        verticalDPI > 0 && verticalDPI < 150 ? 2 : 1
    }

    /// PNG bytes of an 8-bit gray image. The corresponding C function is
    /// `png_image_write_to_memory`.
    static func encode(_ gray: GrayRaster, path: String) throws -> [UInt8] {
        var size = 0
        let memory = gray.pixels.withUnsafeBufferPointer {
            faxdrop_png_encode_gray($0.baseAddress, Int32(gray.width), Int32(gray.height), &size)
        }
        guard let memory else { throw FaxImage.ReadError(path: path, message: "the page cannot be encoded as PNG") }
        defer { free(memory) }
        return Array(UnsafeBufferPointer(start: memory, count: size))
    }
}

/// An 8-bit gray image: `pixels` holds `height` rows of `width` bytes, 0 black, 255 white.
public struct GrayRaster: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height)
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public func value(x: Int, y: Int) -> UInt8 { pixels[y * width + x] }
}

/// A decoded fax page seen with square pixels (each row repeated `rowRepeat` times), and
/// its gray images at full size or scaled down. Pure: no I/O.
public struct FaxPageRaster: Sendable {
    public var bitmap: FaxBitmap
    public var rowRepeat: Int

    public init(bitmap: FaxBitmap, rowRepeat: Int) {
        precondition(rowRepeat >= 1)
        self.bitmap = bitmap
        self.rowRepeat = rowRepeat
    }

    /// Width and height with square pixels.
    public var width: Int { bitmap.width }
    public var height: Int { bitmap.height * rowRepeat }

    /// The page in gray: black and white at full size, area-averaged gray when scaled down
    /// to `maxWidth` (height in proportion, at least 1).
    public func gray(maxWidth: Int?) -> GrayRaster {
        guard let maxWidth, maxWidth < width else { return fullSize() }
        let outWidth = max(1, maxWidth)
        let outHeight = max(1, Int((Double(height) * Double(outWidth) / Double(width)).rounded()))
        return scaled(width: outWidth, height: outHeight)
    }

    func fullSize() -> GrayRaster {
        var pixels = [UInt8](repeating: 255, count: width * height)
        for sourceRow in 0..<bitmap.height {
            let start = sourceRow * bitmap.bytesPerRow
            for copy in 0..<rowRepeat {
                let out = (sourceRow * rowRepeat + copy) * width
                for byteIndex in 0..<bitmap.bytesPerRow {
                    let byte = bitmap.bits[start + byteIndex]
                    if byte == 0 { continue }
                    for bit in 0..<8 where byte & (0x80 >> UInt8(bit)) != 0 {
                        let x = byteIndex * 8 + bit
                        if x < width { pixels[out + x] = 0 }
                    }
                }
            }
        }
        return GrayRaster(width: width, height: height, pixels: pixels)
    }

    /// Where one source pixel (of a run of `sourceCount`) falls among `outCount` output
    /// pixels: the first output pixel it touches and how much of it lies there and in the
    /// next one (in source pixels; the two add up to 1).
    static func spans(sourceCount: Int, outCount: Int) -> [(first: Int, here: Float, next: Float)] {
        let scale = Double(outCount) / Double(sourceCount)
        return (0..<sourceCount).map { s in
            let start = Double(s) * scale
            let end = Double(s + 1) * scale
            let first = min(outCount - 1, Int(start))
            let boundary = Double(first + 1)
            if end <= boundary || first + 1 >= outCount { return (first, 1, 0) }
            let here = Float((boundary - start) / scale)
            return (first, here, 1 - here)
        }
    }

    func scaled(width outWidth: Int, height outHeight: Int) -> GrayRaster {
        let columns = Self.spans(sourceCount: width, outCount: outWidth)
        let rows = Self.spans(sourceCount: height, outCount: outHeight)
        var black = [Float](repeating: 0, count: outWidth * outHeight)
        var rowBlack = [Float](repeating: 0, count: outWidth)
        for sourceRow in 0..<bitmap.height {
            // The black of this row, spread over the output columns.
            for i in rowBlack.indices { rowBlack[i] = 0 }
            let start = sourceRow * bitmap.bytesPerRow
            var any = false
            for byteIndex in 0..<bitmap.bytesPerRow {
                let byte = bitmap.bits[start + byteIndex]
                if byte == 0 { continue }
                for bit in 0..<8 where byte & (0x80 >> UInt8(bit)) != 0 {
                    let x = byteIndex * 8 + bit
                    guard x < width else { continue }
                    let span = columns[x]
                    rowBlack[span.first] += span.here
                    if span.next > 0 { rowBlack[span.first + 1] += span.next }
                    any = true
                }
            }
            guard any else { continue }
            for copy in 0..<rowRepeat {
                let span = rows[sourceRow * rowRepeat + copy]
                let here = span.first * outWidth
                for x in 0..<outWidth where rowBlack[x] != 0 { black[here + x] += rowBlack[x] * span.here }
                if span.next > 0 {
                    let next = here + outWidth
                    for x in 0..<outWidth where rowBlack[x] != 0 { black[next + x] += rowBlack[x] * span.next }
                }
            }
        }
        let area = Float(width) / Float(outWidth) * Float(height) / Float(outHeight)
        let pixels = black.map { b -> UInt8 in
            let white = max(0, min(1, 1 - b / area))
            return UInt8((white * 255).rounded())
        }
        return GrayRaster(width: outWidth, height: outHeight, pixels: pixels)
    }
}
