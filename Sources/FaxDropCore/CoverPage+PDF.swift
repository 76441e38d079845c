import Foundation

extension CoverPage {
    /// The cover as a one-page PDF 1.4 file with the standard Helvetica fonts. Every piece
    /// of text is written as a hex string, so no label, subject or note can close a string,
    /// start an operator or reach the PDF syntax: `(`, `)`, `\`, `%` and `>>` are only
    /// characters. Text outside Windows-1252 prints as `?`.
    public func pdf() -> [UInt8] {
        var layout = CoverLayout(paper: paper)
        layout.gap(max(0, letterheadBand))
        layout.text(organisation.isEmpty ? "FAX" : organisation, size: 26, bold: true)
        layout.gap(4)
        layout.text("FAX", size: 20, bold: true)
        layout.rule(width: 3)
        for field in fields { layout.field(field.label, field.value, size: 16) }
        layout.rule(width: 1.5)
        let noticeLines = CoverLayout.wrap(notice, size: 12, bold: false, width: layout.textWidth)
        let noticeHeight = Double(noticeLines.count) * 12 * 1.25 + 12
        for paragraph in note where !paragraph.isEmpty {
            layout.paragraph(paragraph, size: 14, keep: noticeHeight)
            layout.gap(8)
        }
        layout.notice(noticeLines, size: 12)
        return CoverPDFWriter.document(content: layout.content, width: paper.points.width, height: paper.points.height)
    }
}

/// Lays text out from the top margin down, in PDF content-stream operators.
struct CoverLayout {
    /// 15 mm: far from the 5 mm a fax machine may cut.
    static let margin = 15 * 72 / 25.4
    let width: Double
    let height: Double
    var y: Double
    var content = ""
    var textWidth: Double { width - 2 * Self.margin }

    init(paper: Paper) {
        width = paper.points.width
        height = paper.points.height
        y = height - Self.margin
    }

    mutating func gap(_ points: Double) { y -= points }

    mutating func show(_ line: String, x: Double, size: Double, bold: Bool) {
        let font = bold ? "F2" : "F1"
        content +=
            "BT /\(font) \(Self.number(size)) Tf \(Self.number(x)) \(Self.number(y)) Td <\(Self.hex(line))> Tj ET\n"
    }

    mutating func text(_ text: String, size: Double, bold: Bool) {
        for line in Self.wrap(text, size: size, bold: bold, width: textWidth).prefix(3) {
            y -= size
            show(line, x: Self.margin, size: size, bold: bold)
            y -= size * 0.25
        }
    }

    mutating func rule(width lineWidth: Double) {
        y -= 10
        content +=
            "\(Self.number(lineWidth)) w 0 G \(Self.number(Self.margin)) \(Self.number(y)) m "
            + "\(Self.number(width - Self.margin)) \(Self.number(y)) l S\n"
        y -= 12
    }

    /// A label in bold, its value wrapped beside it.
    mutating func field(_ label: String, _ value: String, size: Double) {
        let column = 96.0
        let lines = Self.wrap(value, size: size, bold: false, width: textWidth - column)
        y -= size
        show(label, x: Self.margin, size: size, bold: true)
        for (i, line) in lines.prefix(4).enumerated() {
            if i > 0 { y -= size * 1.2 }
            show(line, x: Self.margin + column, size: size, bold: false)
        }
        y -= size * 0.55
    }

    /// A note paragraph, wrapped; cut with an ellipsis where it would run into the notice.
    mutating func paragraph(_ text: String, size: Double, keep reserved: Double) {
        var lines = Self.wrap(text, size: size, bold: false, width: textWidth - 20)
        let fit = max(0, Int((y - (Self.margin + reserved)) / (size * 1.25)))
        if lines.count > fit {
            lines = Array(lines.prefix(fit))
            if !lines.isEmpty { lines[lines.count - 1] += " …" }
        }
        for line in lines {
            y -= size * 1.25
            show(line, x: Self.margin, size: size, bold: false)
        }
    }

    /// The notice, at the foot of the page.
    mutating func notice(_ lines: [String], size: Double) {
        var lineY = Self.margin + Double(lines.count - 1) * size * 1.25
        for line in lines {
            let saved = y
            y = lineY
            show(line, x: Self.margin, size: size, bold: false)
            y = saved
            lineY -= size * 1.25
        }
    }

    static func number(_ value: Double) -> String { String(format: "%.2f", value) }

    /// The text in Windows-1252 (the fonts' encoding) as hex digits.
    static func hex(_ text: String) -> String {
        CoverPDFWriter.winAnsi(text).map { String(format: "%02X", $0) }.joined()
    }

    /// Greedy word wrap by the fonts' widths; a word longer than a line is cut.
    static func wrap(_ text: String, size: Double, bold: Bool, width: Double) -> [String] {
        func measure(_ s: String) -> Double { CoverPDFWriter.width(of: s, bold: bold) * size / 1000 }
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            var word = word
            let candidate = current.isEmpty ? word : current + " " + word
            if measure(candidate) <= width {
                current = candidate
                continue
            }
            if !current.isEmpty { lines.append(current) }
            current = ""
            while measure(word) > width {
                var cut = word.startIndex
                while cut < word.endIndex, measure(String(word[...cut])) <= width { cut = word.index(after: cut) }
                if cut == word.startIndex { cut = word.index(after: cut) }
                lines.append(String(word[..<cut]))
                word = String(word[cut...])
            }
            current = word
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}
