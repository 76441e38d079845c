import CTIFF
import FaxDropCore

/// One page (TIFF directory) of a fax image, as libtiff reads it.
public struct FaxPageInfo: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var xResolution: Double
    public var yResolution: Double
    /// TIFF `ResolutionUnit`: 2 inch, 3 centimetre.
    public var resolutionUnit: Int
    /// TIFF `Compression`: 3 CCITT G3 (T.4), 4 CCITT G4 (T.6).
    public var compression: Int
    public var bitsPerSample: Int
    public var samplesPerPixel: Int
    /// TIFF `Photometric`: 0 min-is-white.
    public var photometric: Int
    public var fillOrder: Int
    /// `PageNumber` tag: (page, total), when set.
    public var pageNumber: (Int, Int)?
    /// Encoded bytes of the page's image data (sum of strip byte counts).
    public var encodedBytes: Int

    /// Vertical resolution in dots per inch, whatever unit the file used.
    public var verticalDPI: Double { resolutionUnit == 3 ? yResolution * 2.54 : yResolution }
    public var horizontalDPI: Double { resolutionUnit == 3 ? xResolution * 2.54 : xResolution }

    public static func == (a: FaxPageInfo, b: FaxPageInfo) -> Bool {
        a.width == b.width && a.height == b.height && a.xResolution == b.xResolution
            && a.yResolution == b.yResolution && a.resolutionUnit == b.resolutionUnit
            && a.compression == b.compression && a.bitsPerSample == b.bitsPerSample
            && a.samplesPerPixel == b.samplesPerPixel && a.photometric == b.photometric
            && a.fillOrder == b.fillOrder && a.pageNumber?.0 == b.pageNumber?.0
            && a.pageNumber?.1 == b.pageNumber?.1 && a.encodedBytes == b.encodedBytes
    }
}

/// Reads fax TIFF files back with libtiff: page count, page geometry and tags, and the
/// checks a receiving fax stack (spandsp's `t4_tx`) makes before it will send a file.
public enum FaxImage {
    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    /// Reads every page's tags. Throws when libtiff cannot open or walk the file.
    public static func inspect(_ path: String) throws -> [FaxPageInfo] {
        faxdrop_tiff_quiet()
        guard let tif = TIFFOpen(path, "r") else { throw ReadError(path: path, message: "TIFF file cannot be opened") }
        defer { TIFFClose(tif) }
        var pages: [FaxPageInfo] = []
        repeat {
            pages.append(currentPage(tif))
        } while TIFFReadDirectory(tif) == 1
        return pages
    }

    /// The tags of the directory (page) `tif` is on now.
    static func currentPage(_ tif: OpaquePointer) -> FaxPageInfo {
        /// `tag` through one of the shim's typed getters; 0 when it is not set (libtiff's
        /// default with the `defaulted` getter).
        func tag<T: Numeric>(_ tag: Int32, _ get: (OpaquePointer?, UInt32, UnsafeMutablePointer<T>?) -> Int32) -> T {
            var value: T = 0
            _ = get(tif, UInt32(tag), &value)
            return value
        }
        let defaulted = faxdrop_tiff_get_defaulted_u16
        var pageNo: UInt16 = 0
        var pageTotal: UInt16 = 0
        let hasPageNumber = faxdrop_tiff_get_u16_pair(tif, UInt32(TIFFTAG_PAGENUMBER), &pageNo, &pageTotal) == 1
        var encoded = 0
        let strips = TIFFNumberOfStrips(tif)
        for s in 0..<strips { encoded += Int(TIFFRawStripSize(tif, s)) }
        return FaxPageInfo(
            width: Int(tag(TIFFTAG_IMAGEWIDTH, faxdrop_tiff_get_u32)),
            height: Int(tag(TIFFTAG_IMAGELENGTH, faxdrop_tiff_get_u32)),
            xResolution: Double(tag(TIFFTAG_XRESOLUTION, faxdrop_tiff_get_float)),
            yResolution: Double(tag(TIFFTAG_YRESOLUTION, faxdrop_tiff_get_float)),
            resolutionUnit: Int(tag(TIFFTAG_RESOLUTIONUNIT, defaulted)),
            compression: Int(tag(TIFFTAG_COMPRESSION, defaulted)),
            bitsPerSample: Int(tag(TIFFTAG_BITSPERSAMPLE, defaulted)),
            samplesPerPixel: Int(tag(TIFFTAG_SAMPLESPERPIXEL, defaulted)),
            photometric: Int(tag(TIFFTAG_PHOTOMETRIC, faxdrop_tiff_get_u16)),
            fillOrder: Int(tag(TIFFTAG_FILLORDER, defaulted)),
            pageNumber: hasPageNumber ? (Int(pageNo), Int(pageTotal)) : nil, encodedBytes: encoded)
    }

    /// The problems a fax stack would refuse this page for; empty when it is sendable.
    /// Mirrors spandsp's `t4_tx` checks: bilevel, a T.4 width (1728 at 204 dpi), a fax
    /// vertical resolution (98 or 196 dpi, ±2 %), CCITT compression.
    public static func classFProblems(_ page: FaxPageInfo) -> [String] {
        var problems: [String] = []
        if page.bitsPerSample != 1 || page.samplesPerPixel != 1 { problems.append("not bilevel") }
        if page.width != faxPageWidthPixels { problems.append("width \(page.width), not \(faxPageWidthPixels)") }
        let v = page.verticalDPI
        if !(abs(v - 98) <= 2 || abs(v - 196) <= 4) {
            problems.append("vertical resolution \(v) dpi is no fax resolution")
        }
        if abs(page.horizontalDPI - 204) > 4 {
            problems.append("horizontal resolution \(page.horizontalDPI) dpi, not 204")
        }
        if page.compression != 3 && page.compression != 4 {
            problems.append("compression \(page.compression), not CCITT G3/G4")
        }
        return problems
    }
}
