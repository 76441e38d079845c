import FaxDropCore
import XCTest

final class DestinationFolderTests: XCTestCase {
    func testNumberAloneAndNumberWithLabel() throws {
        let plain = try XCTUnwrap(DestinationFolder("+15551234567"))
        XCTAssertEqual(plain.number.value, "+15551234567")
        XCTAssertNil(plain.label)
        let named = try XCTUnwrap(DestinationFolder("+15551234567 Smith Pharmacy"))
        XCTAssertEqual(named.number.value, "+15551234567")
        XCTAssertEqual(named.label, "Smith Pharmacy")
        // Page-description syntax is only text to a label: it is escaped where it is shown.
        let syntax = try XCTUnwrap(DestinationFolder(#"+15551234567 (Dr. O'Brien) \) show showpage %%EOF"#))
        XCTAssertEqual(syntax.label, #"(Dr. O'Brien) \) show showpage %%EOF"#)
        XCTAssertEqual(DestinationFolder("+15551234567 Zoë Ærø Ünal")?.label, "Zoë Ærø Ünal")
    }

    func testRefusesLabelsThatCouldMislead() {
        let long = "+15551234567 " + String(repeating: "x", count: DestinationFolder.maxLabelLength + 1)
        XCTAssertNotNil(
            DestinationFolder("+15551234567 " + String(repeating: "x", count: DestinationFolder.maxLabelLength)))
        for name in [
            "+15551234567 ", "+15551234567  Smith", "+15551234567 Smith ", "+15551234567 Smith\tPharmacy",
            "+15551234567 Smith\nINFO forged line", "+15551234567 \u{1B}[31mred", "+15551234567 Smith\u{7F}",
            "+15551234567 evil\u{202E}fdp.exe", "+15551234567 zero\u{200B}width", "+15551234567 line\u{2028}sep",
            "+15551234567 \u{85}next", long, "15551234567 Smith", "+1555 Smith", "Smith +15551234567",
            "+15551234567_Smith",
        ] {
            XCTAssertNil(DestinationFolder(name), name.debugDescription)
        }
    }
}
