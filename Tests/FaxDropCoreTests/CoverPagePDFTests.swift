import FaxDropCore
import Foundation
import XCTest

/// The cover page's PDF: hostile text never reaches the PDF syntax, and nothing is placed
/// nearer than 15 mm to an edge however long the text.
final class CoverPagePDFTests: XCTestCase {
    private func cover(name: String?, subject: String?, note: [String], paper: Paper = .letter) -> CoverPage {
        CoverPage(
            organisation: "Acme (Legal) \\ Partners", senderName: nil, stationID: "+15550009999", recipientName: name,
            recipientNumber: "+15551234567", date: Date(timeIntervalSince1970: 1_800_000_000),
            timeZone: TimeZone(identifier: "Europe/Zurich")!, pages: 3, subject: subject, note: note,
            notice: CoverPage.defaultNotice, paper: paper)
    }

    /// (operator operands) of every text show: the font size, x, y and the shown bytes.
    private func shows(_ pdf: [UInt8]) throws -> [(size: Double, x: Double, y: Double, text: [UInt8])] {
        let text = String(decoding: pdf, as: UTF8.self)
        let pattern = try NSRegularExpression(
            pattern: #"BT /F[12] ([0-9.]+) Tf ([0-9.]+) ([0-9.-]+) Td <([0-9A-F]*)> Tj ET"#)
        return pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { m in
            func group(_ i: Int) -> String { String(text[Range(m.range(at: i), in: text)!]) }
            let hex = Array(group(4).utf8)
            let bytes = stride(from: 0, to: hex.count, by: 2).map {
                UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)!
            }
            return (Double(group(1))!, Double(group(2))!, Double(group(3))!, bytes)
        }
    }

    func testHostileTextIsOnlyEverHexData() throws {
        let hostile = #") Tj ET /F1 99 Tf (x) Tj \) \\ %%EOF >> endobj stream"#
        let pdf = cover(name: hostile, subject: "(" + hostile, note: [hostile, "Zoë € “quoted” 中文"]).pdf()
        let text = String(decoding: pdf, as: UTF8.self)
        // The only literal strings are none: every shown string is hex, and the operators
        // around them are exactly FaxDrop's.
        XCTAssertFalse(text.contains("(x)"))
        XCTAssertFalse(text.contains("99 Tf"))
        XCTAssertEqual(text.components(separatedBy: "%%EOF").count, 2, "one end-of-file marker, FaxDrop's")
        XCTAssertEqual(text.components(separatedBy: "endobj").count - 1, 6)
        let shown = try shows(pdf).map { String(decoding: $0.text, as: UTF8.self) }
        XCTAssertTrue(shown.contains(hostile), "\(shown)")
        XCTAssertTrue(shown.contains("Subject:"))
        // Windows-1252 for what the fonts have; `?` for what they do not.
        let last = try shows(pdf).map(\.text).first { $0.starts(with: Array("Zo".utf8)) }
        XCTAssertEqual(
            last, [0x5A, 0x6F, 0xEB, 0x20, 0x80, 0x20, 0x93] + Array("quoted".utf8) + [0x94, 0x20, 0x3F, 0x3F])
        // The xref offsets point at the objects.
        let xref = try XCTUnwrap(text.range(of: "startxref\n"))
        let offset = Int(text[xref.upperBound...].prefix { $0.isNumber })!
        XCTAssertEqual(Array(pdf[offset..<offset + 4]), Array("xref".utf8))
    }

    func testLongTextStaysInsideTheMargins() throws {
        let margin = 15 * 72 / 25.4
        let long = String(repeating: "Wordy paragraph text that goes on. ", count: 60)
        let unbroken = String(repeating: "W", count: 300)
        for paper in Paper.allCases {
            let page = cover(
                name: String(repeating: "M", count: 80), subject: String(repeating: "Subject ", count: 15),
                note: [long, unbroken, long, long], paper: paper)
            let pdf = page.pdf()
            let all = try shows(pdf)
            XCTAssertGreaterThan(all.count, 20)
            for show in all {
                XCTAssertGreaterThanOrEqual(show.x, margin - 0.01)
                XCTAssertGreaterThanOrEqual(show.y, margin - 0.01)
                XCTAssertLessThanOrEqual(show.y + show.size, paper.points.height - margin + 0.01)
            }
            // (The right margin is checked on the rendered image, in CoverPageTests.)
            let noteLines = all.filter { $0.size == 14 }
            XCTAssertTrue(noteLines.last.map { $0.text.last == 0x85 } ?? false, "a cut note ends with an ellipsis")
            XCTAssertGreaterThan(
                noteLines.map(\.y).min()!, all.filter { $0.size == 12 }.map(\.y).max()!,
                "the note stops above the notice")
        }
    }

    func testDateIsLocalAndPagesCountTheCover() {
        let page = cover(name: "Smith Pharmacy", subject: "Refill", note: [])
        XCTAssertEqual(page.dateText, "Friday 15 January 2027, 09:00 GMT+1")
        let fields = Dictionary(page.fields.map { ($0.label + $0.value, $0.value) }) { a, _ in a }
        XCTAssertNotNil(fields["Pages:3 including this cover page"])
        XCTAssertNotNil(fields["To:Smith Pharmacy"])
        XCTAssertNotNil(fields["Fax:+15551234567"])
        XCTAssertNotNil(fields["From:Acme (Legal) \\ Partners"])
    }
}
