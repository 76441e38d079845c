import CTIFF
import FaxDropCore

/// Wraps the pages of a received fax TIFF into a PDF without re-encoding them: each TIFF
/// strip's CCITT data becomes one `/CCITTFaxDecode` image, placed at its rows on a page
/// whose size comes from the page's own resolution (a 204×98 "normal" page is as tall as
/// a 204×196 "fine" one). spandsp stores received pages as G3 2-D with `FillOrder` 2; PDF
/// has no fill-order parameter, so those bytes are bit-reversed, nothing else changes.
public enum FaxPDFWriter {
    /// One strip of CCITT data and what its decoder needs to know.
    public struct Strip: Sendable, Equatable {
        /// Bytes in PDF bit order (most significant bit first).
        public var data: [UInt8]
        public var rows: Int
    }

    /// One page: geometry, the coding parameters shared by its strips, and the strips.
    public struct Page: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var horizontalDPI: Double
        public var verticalDPI: Double
        /// `/K`: -1 for G4 (T.6), 0 for 1-D G3, 1 for 2-D G3 (any positive value decodes alike).
        public var k: Int
        /// `/EncodedByteAlign`: TIFF Group3Options bit 2 (each EOL ends on a byte boundary).
        public var encodedByteAlign: Bool
        /// Photometric min-is-black: decoded 0 bits are black, so the image needs `/Decode [1 0]`.
        public var minIsBlack: Bool
        public var strips: [Strip]
    }

    /// Reads every page's raw strips with libtiff (no decoding). Throws for anything that is
    /// not bilevel CCITT G3/G4: those cannot be wrapped without re-encoding.
    public static func pages(ofTIFF path: String) throws -> [Page] {
        faxdrop_tiff_quiet()
        guard let tif = TIFFOpen(path, "r") else {
            throw FaxImage.ReadError(path: path, message: "TIFF file cannot be opened")
        }
        defer { TIFFClose(tif) }
        var pages: [Page] = []
        repeat {
            pages.append(try page(tif, path: path, index: pages.count))
        } while TIFFReadDirectory(tif) == 1
        return pages
    }

    static func page(_ tif: OpaquePointer, path: String, index: Int) throws -> Page {
        let info = FaxImage.currentPage(tif)
        func fail(_ why: String) -> FaxImage.ReadError {
            FaxImage.ReadError(path: path, message: "page \(index + 1): \(why)")
        }
        guard info.bitsPerSample == 1, info.samplesPerPixel == 1 else { throw fail("not bilevel") }
        guard info.width > 0, info.height > 0 else { throw fail("empty page") }
        var k = -1
        var byteAlign = false
        switch info.compression {
        case Int(COMPRESSION_CCITTFAX4):
            k = -1
        case Int(COMPRESSION_CCITTFAX3):
            var options: UInt32 = 0
            _ = faxdrop_tiff_get_u32(tif, UInt32(TIFFTAG_GROUP3OPTIONS), &options)
            guard options & UInt32(GROUP3OPT_UNCOMPRESSED) == 0 else { throw fail("uncompressed G3 mode") }
            k = options & UInt32(GROUP3OPT_2DENCODING) != 0 ? 1 : 0
            byteAlign = options & UInt32(GROUP3OPT_FILLBITS) != 0
        default:
            throw fail("compression \(info.compression) is not CCITT G3/G4")
        }
        var rowsPerStrip: UInt32 = 0
        if faxdrop_tiff_get_u32(tif, UInt32(TIFFTAG_ROWSPERSTRIP), &rowsPerStrip) != 1 || rowsPerStrip == 0 {
            rowsPerStrip = UInt32(info.height)
        }
        let stripCount = Int(TIFFNumberOfStrips(tif))
        let perStrip = min(Int(rowsPerStrip), info.height)
        guard stripCount == (info.height + perStrip - 1) / perStrip else { throw fail("strip count does not match") }
        var strips: [Strip] = []
        for s in 0..<stripCount {
            let size = faxdrop_tiff_raw_strip_size(tif, UInt32(s))
            guard size > 0 else { throw fail("strip \(s) has no data") }
            var data = [UInt8](repeating: 0, count: Int(size))
            let read = data.withUnsafeMutableBytes { faxdrop_tiff_read_raw_strip(tif, UInt32(s), $0.baseAddress, size) }
            guard read == size else { throw fail("strip \(s) is truncated") }
            if info.fillOrder == Int(FILLORDER_LSB2MSB) { reverseBits(&data) }
            strips.append(Strip(data: data, rows: min(perStrip, info.height - s * perStrip)))
        }
        let dpiX = info.horizontalDPI > 0 ? info.horizontalDPI : 204
        let dpiY = info.verticalDPI > 0 ? info.verticalDPI : 196
        return Page(
            width: info.width, height: info.height, horizontalDPI: dpiX, verticalDPI: dpiY, k: k,
            encodedByteAlign: byteAlign, minIsBlack: info.photometric == Int(PHOTOMETRIC_MINISBLACK), strips: strips)
    }

    static let reversedByte: [UInt8] = (0...255).map { b in
        var r: UInt8 = 0
        for bit in 0..<8 where UInt8(b) & (1 << bit) != 0 { r |= 0x80 >> bit }
        return r
    }

    static func reverseBits(_ data: inout [UInt8]) {
        for i in data.indices { data[i] = reversedByte[Int(data[i])] }
    }

    /// The PDF file (PDF 1.4) for `pages`. `title` goes into the document information
    /// dictionary as a PDF string, escaped; pass only text FaxDrop made or sanitised.
    public static func pdf(_ pages: [Page], title: String? = nil) -> [UInt8] {
        var out: [UInt8] = Array("%PDF-1.4\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".utf8)
        var offsets: [Int] = []
        func object(_ number: Int, _ body: [UInt8]) {
            while offsets.count < number { offsets.append(0) }
            offsets[number - 1] = out.count
            out += Array("\(number) 0 obj\n".utf8) + body + Array("\nendobj\n".utf8)
        }
        // Objects: 1 catalog, 2 page tree, 3 info, then per page: page, content, one per strip.
        var next = 4
        var pageRefs: [Int] = []
        for page in pages {
            let pageNumber = next
            let contentNumber = next + 1
            let firstImage = next + 2
            next += 2 + page.strips.count
            pageRefs.append(pageNumber)
            let widthPt = Double(page.width) * 72 / page.horizontalDPI
            let heightPt = Double(page.height) * 72 / page.verticalDPI
            var content = ""
            var resources = ""
            var rowsAbove = 0
            for (i, strip) in page.strips.enumerated() {
                rowsAbove += strip.rows
                let h = Double(strip.rows) * 72 / page.verticalDPI
                let y = Double(page.height - rowsAbove) * 72 / page.verticalDPI
                content += "q \(number(widthPt)) 0 0 \(number(h)) 0 \(number(y)) cm /S\(i) Do Q\n"
                resources += "/S\(i) \(firstImage + i) 0 R "
            }
            object(
                pageNumber,
                Array(
                    ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 \(number(widthPt)) \(number(heightPt))] "
                        + "/Resources << /XObject << \(resources)>> >> /Contents \(contentNumber) 0 R >>").utf8))
            object(contentNumber, stream(Array(content.utf8), dictionary: ""))
            for (i, strip) in page.strips.enumerated() {
                var parms = "/K \(page.k) /Columns \(page.width) /Rows \(strip.rows) /BlackIs1 false"
                if page.encodedByteAlign { parms += " /EncodedByteAlign true" }
                let decode = page.minIsBlack ? " /Decode [1 0]" : ""
                let dictionary =
                    "/Type /XObject /Subtype /Image /Width \(page.width) /Height \(strip.rows) "
                    + "/ColorSpace /DeviceGray /BitsPerComponent 1\(decode) "
                    + "/Filter /CCITTFaxDecode /DecodeParms << \(parms) >> "
                object(firstImage + i, stream(strip.data, dictionary: dictionary))
            }
        }
        let kids = pageRefs.map { "\($0) 0 R" }.joined(separator: " ")
        object(1, Array("<< /Type /Catalog /Pages 2 0 R >>".utf8))
        object(2, Array("<< /Type /Pages /Kids [\(kids)] /Count \(pages.count) >>".utf8))
        object(3, Array("<< /Producer (FaxDrop) /Title \(pdfString(title ?? "Received fax")) >>".utf8))
        let xref = out.count
        var table = "xref\n0 \(offsets.count + 1)\n0000000000 65535 f \n"
        for offset in offsets {
            table += String(repeating: "0", count: 10 - String(offset).count) + "\(offset) 00000 n \n"
        }
        table += "trailer\n<< /Size \(offsets.count + 1) /Root 1 0 R /Info 3 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        out += Array(table.utf8)
        return out
    }

    static func stream(_ data: [UInt8], dictionary: String) -> [UInt8] {
        Array("<< \(dictionary)/Length \(data.count) >>\nstream\n".utf8) + data + Array("\nendstream".utf8)
    }

    /// A PDF literal string holding only printable ASCII; parentheses and backslashes escaped,
    /// anything else dropped.
    static func pdfString(_ text: String) -> String {
        var s = "("
        for scalar in text.unicodeScalars where scalar.value >= 0x20 && scalar.value < 0x7F {
            if scalar == "(" || scalar == ")" || scalar == "\\" { s += "\\" }
            s.unicodeScalars.append(scalar)
        }
        return s + ")"
    }

    /// A PDF real with at most four decimals (no exponent).
    static func number(_ value: Double) -> String {
        let scaled = (value * 10000).rounded()
        let whole = Int(scaled) / 10000
        let frac = abs(Int(scaled) % 10000)
        guard frac != 0 else { return "\(whole)" }
        var f = String(frac)
        f = String(repeating: "0", count: 4 - f.count) + f
        while f.hasSuffix("0") { f.removeLast() }
        return "\(whole).\(f)"
    }
}
