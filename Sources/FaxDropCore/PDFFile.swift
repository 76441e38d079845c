/// The frame of a PDF file around its objects: the header, each object numbered from 1 in
/// order (object 1 the catalog), the cross-reference table with each object's byte offset,
/// and the trailer. The cover page, the renderer's warm-up page and the tests' hand-made
/// documents are all written through it.
public enum PDFFile {
    /// A PDF file of `objects`, the bodies of objects 1, 2, … (without `obj`/`endobj`).
    public static func assemble(_ objects: [[UInt8]]) -> [UInt8] {
        // The comment with bytes above 127 marks the file as binary for tools that guess.
        var out = Array("%PDF-1.4\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".utf8)
        var offsets: [Int] = []
        for (index, body) in objects.enumerated() {
            offsets.append(out.count)
            out += Array("\(index + 1) 0 obj\n".utf8) + body + Array("\nendobj\n".utf8)
        }
        let xref = out.count
        out += Array("xref\n0 \(objects.count + 1)\n0000000000 65535 f \n".utf8)
        for offset in offsets {
            let digits = String(offset)
            out += Array((String(repeating: "0", count: max(0, 10 - digits.count)) + digits + " 00000 n \n").utf8)
        }
        out += Array("trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n".utf8)
        return out
    }

    /// A PDF file of objects written as text.
    public static func assemble(_ objects: [String]) -> [UInt8] {
        assemble(objects.map { Array($0.utf8) })
    }
}
