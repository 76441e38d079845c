import FaxDropCore
import Foundation

/// Plain UTF-8 text set as fax pages: monospace (Courier, 10 pt, 80 columns), wrapped at
/// word boundaries, paginated (form feeds honoured), with margins; typeset as PostScript
/// that the worker's Ghostscript renders like any other document.
struct TextDocument {
    static let columns = 80
    static let fontSize = 10.0
    static let leading = 12.0
    static let margin = 43.2  // 0.6 inch

    /// Lines of each page, as Latin-1 bytes (characters outside Latin-1 become `?`).
    var pages: [[[UInt8]]]

    init(bytes: [UInt8], paper: Paper, resolution: Resolution) {
        let linesPerPage = TextDocument.linesPerPage(paper: paper, resolution: resolution)
        var pages: [[[UInt8]]] = []
        var page: [[UInt8]] = []
        func flushPage() {
            pages.append(page)
            page = []
        }
        let text = String(decoding: bytes, as: UTF8.self)
            .replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var paragraphs = text.split(separator: "\n", omittingEmptySubsequences: false)
        if paragraphs.last?.isEmpty == true { paragraphs.removeLast() }
        for paragraph in paragraphs {
            var pieces = paragraph.split(separator: "\u{0C}", omittingEmptySubsequences: false)
            let first = pieces.removeFirst()
            for (index, piece) in ([first] + pieces).enumerated() {
                if index > 0 { flushPage() }
                for line in TextDocument.wrap(TextDocument.latin1(piece)) {
                    if page.count == linesPerPage { flushPage() }
                    page.append(line)
                }
            }
        }
        if !page.isEmpty || pages.isEmpty { flushPage() }
        self.pages = pages
    }

    static func linesPerPage(paper: Paper, resolution: Resolution) -> Int {
        let height = pageHeightPoints(paper: paper, resolution: resolution)
        return Int((height - 2 * margin) / leading)
    }

    /// Height of the fax page in points (Ghostscript's media is the fax raster's size).
    static func pageHeightPoints(paper: Paper, resolution: Resolution) -> Double {
        Double(paper.heightPixels(resolution)) / Double(resolution.verticalDPI) * 72
    }

    /// Tabs expanded to 8 columns, typographic punctuation folded to ASCII, everything else
    /// outside Latin-1 (and control characters) shown as `?`.
    static func latin1(_ line: Substring) -> [UInt8] {
        var out: [UInt8] = []
        for scalar in line.unicodeScalars {
            switch scalar.value {
            case 0x09:
                repeat { out.append(0x20) } while out.count % 8 != 0
            case 0x2018, 0x2019, 0x201A, 0x2032: out.append(0x27)
            case 0x201C, 0x201D, 0x201E, 0x2033: out.append(0x22)
            case 0x2010...0x2015, 0x2212: out.append(0x2D)
            case 0x2022: out.append(0x6F)
            case 0x2026: out.append(contentsOf: [0x2E, 0x2E, 0x2E])
            case 0x20...0x7E, 0xA0...0xFF: out.append(UInt8(scalar.value))
            case 0xFEFF: break
            default: out.append(0x3F)
            }
        }
        while out.last == 0x20 { out.removeLast() }
        return out
    }

    /// Splits a line into pieces of at most `columns`, at a space when one is near the end.
    static func wrap(_ line: [UInt8]) -> [[UInt8]] {
        var rest = line[...]
        var lines: [[UInt8]] = []
        while rest.count > columns {
            let window = rest.prefix(columns + 1)
            var cut = columns
            if let space = window.lastIndex(of: 0x20), space - rest.startIndex >= columns / 2 {
                cut = space - rest.startIndex
            }
            lines.append(Array(rest.prefix(cut)))
            rest = rest.dropFirst(cut)
            while rest.first == 0x20 { rest = rest.dropFirst() }
        }
        lines.append(Array(rest))
        return lines
    }

    /// The PostScript program that draws every page.
    func postScript(paper: Paper, resolution: Resolution) -> String {
        let width = Double(faxPageWidthPixels) / 204 * 72
        let height = TextDocument.pageHeightPoints(paper: paper, resolution: resolution)
        let left = ((width - Double(TextDocument.columns) * TextDocument.fontSize * 0.6) / 2).rounded()
        let top = height - TextDocument.margin - TextDocument.fontSize
        var ps = """
            /Courier findfont dup length dict begin
              { 1 index /FID ne { def } { pop pop } ifelse } forall
              /Encoding ISOLatin1Encoding def currentdict
            end /FaxDropMono exch definefont pop
            /FaxDropL { \(left) exch moveto show } bind def

            """
        for page in pages {
            ps += "/FaxDropMono \(TextDocument.fontSize) selectfont 0 setgray\n"
            for (i, line) in page.enumerated() where !line.isEmpty {
                ps += "\(PostScript.string(line)) \(top - Double(i) * TextDocument.leading) FaxDropL\n"
            }
            ps += "showpage\n"
        }
        return ps
    }
}

/// PostScript source helpers.
enum PostScript {
    /// A PostScript string literal for raw bytes: `(` `)` `\` escaped, others octal.
    static func string(_ bytes: [UInt8]) -> String {
        var out = "("
        for b in bytes {
            switch b {
            case 0x28, 0x29, 0x5C: out += "\\" + String(UnicodeScalar(b))
            case 0x20...0x7E: out.unicodeScalars.append(UnicodeScalar(b))
            default:
                let octal = String(b, radix: 8)
                out += "\\" + String(repeating: "0", count: 3 - octal.count) + octal
            }
        }
        return out + ")"
    }

    static func string(_ text: String) -> String { string(Array(text.utf8)) }
}
