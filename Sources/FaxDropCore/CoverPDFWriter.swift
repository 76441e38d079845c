/// The few pieces of PDF the cover page needs: the file around a content stream, the
/// Windows-1252 encoding of the standard fonts, and Helvetica's glyph widths (from the
/// fonts' published metrics) for line wrapping.
enum CoverPDFWriter {
    /// A one-page PDF with Helvetica (`/F1`) and Helvetica-Bold (`/F2`).
    static func document(content: String, width: Double, height: Double) -> [UInt8] {
        let stream = Array(content.utf8)  // operators and hex digits only: ASCII
        let size = "\(CoverLayout.number(width)) \(CoverLayout.number(height))"
        let objects: [[UInt8]] = [
            Array("<< /Type /Catalog /Pages 2 0 R >>".utf8),
            Array("<< /Type /Pages /Kids [3 0 R] /Count 1 >>".utf8),
            Array(
                ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 \(size)] "
                    + "/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>").utf8),
            Array("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".utf8),
            Array("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>".utf8),
            Array("<< /Length \(stream.count) >>\nstream\n".utf8) + stream + Array("\nendstream".utf8),
        ]
        return PDFFile.assemble(objects)
    }

    /// Windows-1252 bytes for the text; `?` for what it cannot show, control characters included.
    static func winAnsi(_ text: String) -> [UInt8] {
        text.unicodeScalars.map { scalar -> UInt8 in
            let v = scalar.value
            if (0x20...0x7E).contains(v) || (0xA0...0xFF).contains(v) { return UInt8(v) }
            return extra[v] ?? UInt8(ascii: "?")
        }
    }

    /// The Windows-1252 characters in 0x80-0x9F.
    static let extra: [UInt32: UInt8] = [
        0x20AC: 0x80, 0x201A: 0x82, 0x0192: 0x83, 0x201E: 0x84, 0x2026: 0x85, 0x2020: 0x86, 0x2021: 0x87,
        0x02C6: 0x88, 0x2030: 0x89, 0x0160: 0x8A, 0x2039: 0x8B, 0x0152: 0x8C, 0x017D: 0x8E, 0x2018: 0x91,
        0x2019: 0x92, 0x201C: 0x93, 0x201D: 0x94, 0x2022: 0x95, 0x2013: 0x96, 0x2014: 0x97, 0x02DC: 0x98,
        0x2122: 0x99, 0x0161: 0x9A, 0x203A: 0x9B, 0x0153: 0x9C, 0x017E: 0x9E, 0x0178: 0x9F,
    ]

    /// Helvetica advance widths (1/1000 em) of 0x20...0x7E.
    static let helvetica: [Int] = [
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
        1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
        333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
        556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
    ]

    /// Helvetica-Bold advance widths (1/1000 em) of 0x20...0x7E.
    static let helveticaBold: [Int] = [
        278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
        975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
        333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
        611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
    ]

    /// The text's width in 1/1000 em; characters outside ASCII count as the widest letter.
    static func width(of text: String, bold: Bool) -> Double {
        let table = bold ? helveticaBold : helvetica
        return Double(
            winAnsi(text).reduce(0) { sum, byte in
                sum + ((0x20...0x7E).contains(byte) ? table[Int(byte) - 0x20] : 1000)
            })
    }
}
