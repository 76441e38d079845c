/// The kinds of document FaxDrop accepts, recognised by content, never by name (SPEC §4).
public enum DocumentFormat: String, Codable, Sendable, CaseIterable {
    case pdf, postscript, tiff, jpeg, png, text

    /// The file extension used for the original when it is stored beside its sidecar.
    public var fileExtension: String {
        switch self {
        case .pdf: return "pdf"
        case .postscript: return "ps"
        case .tiff: return "tif"
        case .jpeg: return "jpg"
        case .png: return "png"
        case .text: return "txt"
        }
    }

    /// Recognises a document from its first bytes (at least 1 KiB when the file has it).
    /// Returns `nil` for anything that is none of the accepted formats.
    public static func sniff<Bytes: Collection>(_ head: Bytes) -> DocumentFormat? where Bytes.Element == UInt8 {
        let bytes = Array(head.prefix(4096))
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + magic.count && Array(bytes[offset..<offset + magic.count]) == magic
        }
        // PDF: "%PDF-" within the first 1024 bytes (Acrobat's own tolerance for leading junk).
        let pdfMagic = Array("%PDF-".utf8)
        if bytes.count >= pdfMagic.count {
            for start in 0...min(1024, bytes.count - pdfMagic.count)
            where bytes[start] == pdfMagic[0] && Array(bytes[start..<start + pdfMagic.count]) == pdfMagic {
                return .pdf
            }
        }
        if starts(Array("%!".utf8)) || starts([0xC5, 0xD0, 0xD3, 0xC6]) { return .postscript }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        if starts([0x49, 0x49, 0x2B, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2B]) { return .tiff }  // BigTIFF
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if isPlainText(bytes) { return .text }
        return nil
    }

    /// UTF-8 text: valid UTF-8 (a sequence cut at the end of the sample is allowed), no NUL,
    /// and control characters only where text has them (tab, newline, CR, form feed).
    static func isPlainText(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return false }
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 {
                if b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D && b != 0x0C { return false }
                if b == 0x7F { return false }
                i += 1
                continue
            }
            let length: Int
            switch b {
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return false
            }
            if i + length > bytes.count { return i > bytes.count - 4 }  // cut by the sample
            for j in 1..<length where bytes[i + j] & 0xC0 != 0x80 { return false }
            i += length
        }
        return true
    }
}
