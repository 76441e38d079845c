import CTIFF
import FaxDropCore

/// Writes TIFF Class F pages with libtiff: 1-bit, CCITT G4, min-is-white, fill order
/// LSB-to-MSB (Class F's recommendation), resolution in inches, one strip per page.
///
/// Pages are appended one at a time as packed rows (1 bit per pixel, 1 = black, most
/// significant bit first, as in memory). The page total is not known while streaming, so
/// `PageNumber` is written as (n, 0); `FaxImage.copyPages` rewrites it when finishing.
public final class FaxImageWriter {
    public let path: String
    private var tif: OpaquePointer?
    public private(set) var pagesWritten = 0
    public let coding: Coding

    /// How pages are compressed.
    public enum Coding: Sendable {
        /// CCITT G4 (T.6): what FaxDrop renders for sending.
        case g4
        /// CCITT G3 2-D with byte-aligned EOLs (Group3Options 5): what spandsp writes when
        /// it receives a fax (the `rx_*` captures).
        case g3TwoDimensional
    }

    /// Creates (truncates) the file. The corresponding C function is `TIFFOpen`.
    public init(path: String, coding: Coding = .g4) throws {
        self.coding = coding
        faxdrop_tiff_quiet()
        guard let tif = TIFFOpen(path, "w") else {
            throw FaxImage.ReadError(path: path, message: "TIFF file cannot be created")
        }
        self.path = path
        self.tif = tif
    }

    deinit {
        if let tif { TIFFClose(tif) }
    }

    /// Appends one page. `rows` holds `height` rows of `bytesPerRow` bytes each.
    public func appendPage(
        rows: UnsafeRawBufferPointer, bytesPerRow: Int, width: Int, height: Int, resolution: Resolution,
        pageNumber: Int? = nil, pageCount: Int = 0, rowsPerStrip: Int? = nil
    ) throws {
        guard let tif else { throw FaxImage.ReadError(path: path, message: "writer is closed") }
        precondition(rows.count >= bytesPerRow * height && bytesPerRow * 8 >= width)
        FaxImage.setClassFTags(
            tif, width: width, height: height, yResolution: Float(resolution.verticalDPI),
            compression: coding == .g4 ? UInt16(COMPRESSION_CCITTFAX4) : UInt16(COMPRESSION_CCITTFAX3),
            fillOrder: UInt16(FILLORDER_LSB2MSB), pageNumber: pageNumber ?? pagesWritten, pageCount: pageCount)
        if coding == .g3TwoDimensional {
            _ = faxdrop_tiff_set_u32(
                tif, UInt32(TIFFTAG_GROUP3OPTIONS), UInt32(GROUP3OPT_2DENCODING | GROUP3OPT_FILLBITS))
        }
        if let rowsPerStrip { _ = faxdrop_tiff_set_u32(tif, UInt32(TIFFTAG_ROWSPERSTRIP), UInt32(rowsPerStrip)) }
        let base = UnsafeMutableRawPointer(mutating: rows.baseAddress!)
        // One strip per page, encoded in one call. The corresponding C function is `TIFFWriteEncodedStrip`.
        if bytesPerRow == Int(TIFFScanlineSize(tif)) && rowsPerStrip == nil {
            guard TIFFWriteEncodedStrip(tif, 0, base, tmsize_t(bytesPerRow * height)) >= 0 else {
                throw FaxImage.ReadError(path: path, message: "cannot encode page \(pagesWritten + 1)")
            }
        } else {
            for y in 0..<height where TIFFWriteScanline(tif, base + y * bytesPerRow, UInt32(y), 0) != 1 {
                throw FaxImage.ReadError(path: path, message: "cannot encode page \(pagesWritten + 1) row \(y)")
            }
        }
        guard TIFFWriteDirectory(tif) == 1 else {
            throw FaxImage.ReadError(path: path, message: "cannot write page \(pagesWritten + 1)")
        }
        pagesWritten += 1
    }

    /// Flushes and closes the file. The corresponding C function is `TIFFClose`.
    public func close() {
        if let tif { TIFFClose(tif) }
        tif = nil
    }
}

extension FaxImage {
    /// Sets the tags of one Class F page on the current directory.
    static func setClassFTags(
        _ tif: OpaquePointer, width: Int, height: Int, yResolution: Float, compression: UInt16, fillOrder: UInt16,
        pageNumber: Int, pageCount: Int
    ) {
        _ = faxdrop_tiff_set_u32(tif, UInt32(TIFFTAG_SUBFILETYPE), UInt32(FILETYPE_PAGE))
        _ = faxdrop_tiff_set_u32(tif, UInt32(TIFFTAG_IMAGEWIDTH), UInt32(width))
        _ = faxdrop_tiff_set_u32(tif, UInt32(TIFFTAG_IMAGELENGTH), UInt32(height))
        _ = faxdrop_tiff_set_u16(tif, UInt32(TIFFTAG_BITSPERSAMPLE), 1)
        _ = faxdrop_tiff_set_u16(tif, UInt32(TIFFTAG_SAMPLESPERPIXEL), 1)
        _ = faxdrop_tiff_set_u16(tif, UInt32(TIFFTAG_COMPRESSION), compression)
        if compression == UInt16(COMPRESSION_CCITTFAX4) {
            _ = faxdrop_tiff_set_u32(tif, UInt32(TIFFTAG_GROUP4OPTIONS), 0)
        }
        _ = faxdrop_tiff_set_u16(tif, UInt32(TIFFTAG_PHOTOMETRIC), UInt16(PHOTOMETRIC_MINISWHITE))
        _ = faxdrop_tiff_set_u16(tif, UInt32(TIFFTAG_FILLORDER), fillOrder)
        _ = faxdrop_tiff_set_u16(tif, UInt32(TIFFTAG_ORIENTATION), UInt16(ORIENTATION_TOPLEFT))
        _ = faxdrop_tiff_set_u16(tif, UInt32(TIFFTAG_PLANARCONFIG), UInt16(PLANARCONFIG_CONTIG))
        _ = faxdrop_tiff_set_u16(tif, UInt32(TIFFTAG_RESOLUTIONUNIT), UInt16(RESUNIT_INCH))
        _ = faxdrop_tiff_set_float(tif, UInt32(TIFFTAG_XRESOLUTION), 204)
        _ = faxdrop_tiff_set_float(tif, UInt32(TIFFTAG_YRESOLUTION), yResolution)
        _ = faxdrop_tiff_set_u32(tif, UInt32(TIFFTAG_ROWSPERSTRIP), UInt32(height))
        _ = faxdrop_tiff_set_u16_pair(tif, UInt32(TIFFTAG_PAGENUMBER), UInt16(pageNumber), UInt16(pageCount))
        _ = faxdrop_tiff_set_string(tif, UInt32(TIFFTAG_SOFTWARE), "FaxDrop")
    }

    /// Copies some pages of a fax TIFF into a new file, compressed data as it is (no
    /// re-encoding), renumbering `PageNumber` as (0..<n, n). `pages` are 0-based indexes
    /// in `source`, in the order wanted; `nil` copies every page. Used to finish a render
    /// (the page total is known only at the end) and to resume a partly sent fax.
    /// `destination` is written in place: give it a temporary name and rename it.
    /// Returns the copied pages as `inspect` would read them.
    @discardableResult
    public static func copyPages(from source: String, to destination: String, pages: [Int]? = nil) throws
        -> [FaxPageInfo]
    {
        try copyPages(from: [(source, pages)], to: destination)
    }

    /// Joins whole fax TIFFs into one, in order (a cover page in front of a document),
    /// compressed data as it is. `destination` is written in place: give it a temporary name.
    @discardableResult
    public static func concatenate(_ sources: [String], to destination: String) throws -> [FaxPageInfo] {
        try copyPages(from: sources.map { ($0, nil) }, to: destination)
    }

    /// Copies pages of several fax TIFFs, in order, into one new file (see `copyPages`).
    static func copyPages(from sources: [(path: String, pages: [Int]?)], to destination: String) throws -> [FaxPageInfo]
    {
        faxdrop_tiff_quiet()
        var inputs: [(tif: OpaquePointer, path: String, pages: [Int])] = []
        defer { for input in inputs { TIFFClose(input.tif) } }
        for source in sources {
            guard let input = TIFFOpen(source.path, "r") else {
                throw ReadError(path: source.path, message: "TIFF file cannot be opened")
            }
            let available = Int(TIFFNumberOfDirectories(input))
            inputs.append((input, source.path, source.pages ?? Array(0..<available)))
            if let bad = inputs.last!.pages.first(where: { $0 < 0 || $0 >= available }) {
                throw ReadError(path: source.path, message: "page index \(bad) out of range 0..<\(available)")
            }
        }
        let total = inputs.reduce(0) { $0 + $1.pages.count }
        guard let output = TIFFOpen(destination, "w") else {
            throw ReadError(path: destination, message: "TIFF file cannot be created")
        }
        var closed = false
        defer { if !closed { TIFFClose(output) } }
        var buffer: [UInt8] = []
        var n = 0
        for (input, source, wanted) in inputs {
            for index in wanted {
                guard TIFFSetDirectory(input, UInt32(index)) == 1 else {
                    throw ReadError(path: source, message: "cannot read page \(index + 1)")
                }
                let page = currentPage(input)
                let compression = UInt16(page.compression)
                guard page.bitsPerSample == 1,
                    compression == UInt16(COMPRESSION_CCITTFAX4) || compression == UInt16(COMPRESSION_CCITTFAX3),
                    TIFFNumberOfStrips(input) == 1
                else {
                    throw ReadError(path: source, message: "page \(index + 1) is not a one-strip CCITT fax page")
                }
                setClassFTags(
                    output, width: page.width, height: page.height, yResolution: Float(page.verticalDPI),
                    compression: compression, fillOrder: UInt16(page.fillOrder), pageNumber: n, pageCount: total)
                if compression == UInt16(COMPRESSION_CCITTFAX3) {
                    var options: UInt32 = 0
                    _ = faxdrop_tiff_get_u32(input, UInt32(TIFFTAG_GROUP3OPTIONS), &options)
                    _ = faxdrop_tiff_set_u32(output, UInt32(TIFFTAG_GROUP3OPTIONS), options)
                }
                let size = Int(TIFFRawStripSize(input, 0))
                guard size > 0 else { throw ReadError(path: source, message: "page \(index + 1) has no image data") }
                if buffer.count < size { buffer = [UInt8](repeating: 0, count: size) }
                let read = buffer.withUnsafeMutableBytes { TIFFReadRawStrip(input, 0, $0.baseAddress, tmsize_t(size)) }
                guard read == tmsize_t(size) else {
                    throw ReadError(path: source, message: "page \(index + 1) is truncated")
                }
                let wrote = buffer.withUnsafeMutableBytes {
                    TIFFWriteRawStrip(output, 0, $0.baseAddress, tmsize_t(size))
                }
                guard wrote == tmsize_t(size), TIFFWriteDirectory(output) == 1 else {
                    throw ReadError(path: destination, message: "cannot write page \(n + 1)")
                }
                n += 1
            }
        }
        TIFFClose(output)
        closed = true
        return try inspect(destination)
    }
}
