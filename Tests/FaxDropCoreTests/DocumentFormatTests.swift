import FaxDropCore
import XCTest

final class DocumentFormatTests: XCTestCase {
    func testRecognisesByContentNotName() {
        XCTAssertEqual(DocumentFormat.sniff(Array("%PDF-1.7\n".utf8)), .pdf)
        XCTAssertEqual(DocumentFormat.sniff(Array("\r\n  junk %PDF-1.4".utf8)), .pdf, "leading junk, as Acrobat allows")
        XCTAssertEqual(DocumentFormat.sniff(Array("%!PS-Adobe-3.0\n".utf8)), .postscript)
        XCTAssertEqual(DocumentFormat.sniff([0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0]), .tiff)
        XCTAssertEqual(DocumentFormat.sniff([0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8]), .tiff)
        XCTAssertEqual(DocumentFormat.sniff([0xFF, 0xD8, 0xFF, 0xE0]), .jpeg)
        XCTAssertEqual(DocumentFormat.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]), .png)
        XCTAssertEqual(DocumentFormat.sniff(Array("Dear Sir,\n\tPlease find – enclosed. Ünïcödé\r\n".utf8)), .text)
    }

    func testRejectsBinaryAndBrokenText() {
        XCTAssertNil(DocumentFormat.sniff([0x00, 0x01, 0x02, 0x03]))
        XCTAssertNil(DocumentFormat.sniff([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00]), "a zip (e.g. .docx) is not accepted")
        XCTAssertNil(DocumentFormat.sniff(Array("text".utf8) + [0xC3, 0x28] + Array(" more".utf8)), "invalid UTF-8")
        XCTAssertNil(DocumentFormat.sniff(Array("text\u{7}bell".utf8)))
        XCTAssertNil(DocumentFormat.sniff([UInt8]()))
    }

    func testAUTF8SequenceCutByTheSampleIsStillText() {
        let text = Array(String(repeating: "é", count: 3000).utf8)  // 6000 bytes; the sample cuts at 4096
        XCTAssertEqual(DocumentFormat.sniff(text), .text)
        XCTAssertEqual(DocumentFormat.sniff(Array(text.prefix(4095))), .text)
    }
}
