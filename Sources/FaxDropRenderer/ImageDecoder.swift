import CJPEG
import CPNG
import CTIFF
import FaxDropCore

/// Decodes raster inputs (TIFF, JPEG, PNG) to gray with the C libraries that read them best:
/// libtiff for TIFF (every compression and colour model it knows, through
/// `TIFFReadRGBAImageOriented`), libjpeg(-turbo) and libpng for the others. Ghostscript
/// reads none of these as documents.
enum ImageDecoder {
    /// Images above this many pixels are refused before decoding (a decompression bomb
    /// guard; 600 dpi A3 is 70 Mpx).
    static let maximumPixels: UInt64 = 150_000_000

    /// Number of pages (directories) in a TIFF file.
    static func tiffPageCount(_ path: String) throws(FaxError) -> Int {
        faxdrop_tiff_quiet()
        guard let tif = TIFFOpen(path, "r") else { throw FaxError(.corruptDocument, "TIFF file cannot be opened") }
        defer { TIFFClose(tif) }
        return Int(TIFFNumberOfDirectories(tif))
    }

    /// Decodes page `index` (0-based) of a TIFF file.
    static func tiffPage(_ path: String, index: Int) throws(FaxError) -> GrayImage {
        faxdrop_tiff_quiet()
        guard let tif = TIFFOpen(path, "r") else { throw FaxError(.corruptDocument, "TIFF file cannot be opened") }
        defer { TIFFClose(tif) }
        guard TIFFSetDirectory(tif, UInt32(index)) == 1 else {
            throw FaxError(.corruptDocument, "TIFF page \(index + 1) cannot be read")
        }
        var width: UInt32 = 0
        var height: UInt32 = 0
        _ = faxdrop_tiff_get_u32(tif, UInt32(TIFFTAG_IMAGEWIDTH), &width)
        _ = faxdrop_tiff_get_u32(tif, UInt32(TIFFTAG_IMAGELENGTH), &height)
        guard width > 0, height > 0 else { throw FaxError(.corruptDocument, "TIFF page \(index + 1) has no pixels") }
        guard UInt64(width) * UInt64(height) <= maximumPixels else {
            throw FaxError(.conversionFailed, "TIFF page \(index + 1) is \(width)x\(height) pixels, too large")
        }
        var xres: Float = 0
        var yres: Float = 0
        var unit: UInt16 = 0
        let hasX = faxdrop_tiff_get_float(tif, UInt32(TIFFTAG_XRESOLUTION), &xres) == 1
        let hasY = faxdrop_tiff_get_float(tif, UInt32(TIFFTAG_YRESOLUTION), &yres) == 1
        _ = faxdrop_tiff_get_defaulted_u16(tif, UInt32(TIFFTAG_RESOLUTIONUNIT), &unit)
        var rgba = [UInt32](repeating: 0, count: Int(width) * Int(height))
        let ok = rgba.withUnsafeMutableBufferPointer {
            TIFFReadRGBAImageOriented(tif, width, height, $0.baseAddress, Int32(ORIENTATION_TOPLEFT), 0)
        }
        guard ok == 1 else { throw FaxError(.corruptDocument, "TIFF page \(index + 1) cannot be decoded") }
        var gray = [UInt8](repeating: 255, count: rgba.count)
        for i in rgba.indices {
            // ABGR in a native-endian word; composite over white by alpha.
            let p = rgba[i]
            let r = Int(p & 0xFF)
            let g = Int((p >> 8) & 0xFF)
            let b = Int((p >> 16) & 0xFF)
            let a = Int(p >> 24)
            let luma = (299 * r + 587 * g + 114 * b) / 1000
            gray[i] = UInt8((luma * a + 255 * (255 - a)) / 255)
        }
        var dpi: (x: Double, y: Double)?
        if hasX, hasY, xres > 0, yres > 0, unit != UInt16(RESUNIT_NONE) {
            let factor = unit == UInt16(RESUNIT_CENTIMETER) ? 2.54 : 1
            dpi = (Double(xres) * factor, Double(yres) * factor)
        }
        return GrayImage(width: Int(width), height: Int(height), pixels: gray, dpi: dpi)
    }

    static func jpeg(_ path: String) throws(FaxError) -> GrayImage {
        var width: Int32 = 0
        var height: Int32 = 0
        var unit: Int32 = 0
        var xd: Int32 = 0
        var yd: Int32 = 0
        let image = try decodedGray("JPEG", width: &width, height: &height) {
            faxdrop_jpeg_decode_gray(path, maximumPixels, &$0, &$1, &unit, &xd, &yd, $2, $3)
        }
        var dpi: (x: Double, y: Double)?
        if unit == 1 || unit == 2, xd > 0, yd > 0 {
            let factor = unit == 2 ? 2.54 : 1
            dpi = (Double(xd) * factor, Double(yd) * factor)
        }
        return GrayImage(width: Int(width), height: Int(height), pixels: image, dpi: dpi)
    }

    /// The EXIF `Orientation` (1...8) of a JPEG, read from its APP1 segment in `head`;
    /// 1 when absent. Phone cameras store pixels as the sensor saw them and set this tag.
    static func exifOrientation(_ head: [UInt8]) -> Int {
        var offset = 2
        while offset + 4 <= head.count, head[offset] == 0xFF {
            let marker = head[offset + 1]
            let length = Int(head[offset + 2]) << 8 | Int(head[offset + 3])
            if marker == 0xDA || marker == 0xD9 { return 1 }  // image data: no EXIF before it
            let body = offset + 4
            if marker == 0xE1, body + 14 <= head.count, Array(head[body..<(body + 6)]) == Array("Exif\0\0".utf8) {
                let tiff = body + 6
                let little = head[tiff] == 0x49
                func u16(_ at: Int) -> Int {
                    guard at + 2 <= head.count else { return 0 }
                    return little ? Int(head[at]) | Int(head[at + 1]) << 8 : Int(head[at]) << 8 | Int(head[at + 1])
                }
                func u32(_ at: Int) -> Int { little ? u16(at) | u16(at + 2) << 16 : u16(at) << 16 | u16(at + 2) }
                let ifd = tiff + u32(tiff + 4)
                let entries = u16(ifd)
                for i in 0..<entries {
                    let entry = ifd + 2 + 12 * i
                    guard entry + 12 <= head.count else { break }
                    if u16(entry) == 0x0112 {
                        let value = u16(entry + 8)
                        return (1...8).contains(value) ? value : 1
                    }
                }
                return 1
            }
            offset += 2 + length
        }
        return 1
    }

    static func png(_ path: String, head: [UInt8]) throws(FaxError) -> GrayImage {
        var width: Int32 = 0
        var height: Int32 = 0
        let image = try decodedGray("PNG", width: &width, height: &height) {
            faxdrop_png_decode_gray(path, maximumPixels, &$0, &$1, $2, $3)
        }
        return GrayImage(width: Int(width), height: Int(height), pixels: image, dpi: pngDPI(head))
    }

    /// The `pHYs` chunk's pixels per metre, when it comes before the image data (as the
    /// PNG specification requires) within the first bytes read.
    static func pngDPI(_ bytes: [UInt8]) -> (x: Double, y: Double)? {
        var offset = 8
        func u32(_ at: Int) -> Int {
            Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
        }
        while offset + 8 <= bytes.count {
            let length = u32(offset)
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            if type == "pHYs", offset + 17 <= bytes.count {
                let x = u32(offset + 8)
                let y = u32(offset + 12)
                let unit = bytes[offset + 16]
                guard unit == 1, x > 0, y > 0 else { return nil }
                return (Double(x) * 0.0254, Double(y) * 0.0254)
            }
            if type == "IDAT" || type == "IEND" { return nil }
            offset += 12 + length
        }
        return nil
    }
}

extension GrayImage {
    /// Places a raster on a fax page: turned to portrait when it is landscape and too wide,
    /// scaled down to fit (aspect kept, never enlarged beyond its own resolution), centred
    /// across and at the top. Without a resolution it is fitted to the page.
    func placedOnFaxPage(resolution: Resolution, paper: Paper) -> GrayImage {
        let pageWidth = faxPageWidthPixels
        let pageHeight = paper.heightPixels(resolution)
        let pageInches = (w: Double(pageWidth) / 204, h: Double(pageHeight) / Double(resolution.verticalDPI))
        var image = self
        func inches(_ i: GrayImage) -> (w: Double, h: Double) {
            if let dpi = i.dpi, dpi.x >= 30, dpi.y >= 30 { return (Double(i.width) / dpi.x, Double(i.height) / dpi.y) }
            // Unknown resolution: assume it was meant to fill the page width.
            let scale = pageInches.w / Double(i.width)
            return (pageInches.w, Double(i.height) * scale)
        }
        var size = inches(image)
        if size.w > size.h && size.w > pageInches.w * 1.02 {
            image = image.rotatedCounterClockwise()
            size = inches(image)
        }
        let scale = min(1, pageInches.w / size.w, pageInches.h / size.h)
        let targetWidth = max(1, min(pageWidth, Int((size.w * scale * 204).rounded())))
        let targetHeight = max(1, min(pageHeight, Int((size.h * scale * Double(resolution.verticalDPI)).rounded())))
        let scaled = image.resampled(width: targetWidth, height: targetHeight)
        var page = GrayImage(width: pageWidth, height: pageHeight, fill: 255)
        page.paste(scaled, x: (pageWidth - targetWidth) / 2, y: 0)
        return page
    }
}

/// Runs one of the shims' `faxdrop_*_decode_gray` calls, handed the width and height to fill
/// and a buffer for its error message, and copies out the gray pixels it allocated (and frees
/// them); a `corruptDocument` error with the library's message when it returns none.
private func decodedGray(
    _ format: String, width: inout Int32, height: inout Int32,
    _ decode: (inout Int32, inout Int32, UnsafeMutablePointer<CChar>?, Int) -> UnsafeMutablePointer<UInt8>?
) throws(FaxError) -> [UInt8] {
    var message = [CChar](repeating: 0, count: 256)
    let count = message.count
    guard let pixels = message.withUnsafeMutableBufferPointer({ decode(&width, &height, $0.baseAddress, count) })
    else { throw FaxError(.corruptDocument, "\(format) cannot be decoded: \(cText(message))") }
    defer { free(pixels) }
    return Array(UnsafeBufferPointer(start: pixels, count: Int(width) * Int(height)))
}

/// The text of a NUL-terminated C buffer.
private func cText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
