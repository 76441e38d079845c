import FaxDropCore
import XCTest

final class E164NumberTests: XCTestCase {
    func testAcceptsSevenToFifteenDigitsAfterPlus() {
        XCTAssertEqual(E164Number("+15551234567")?.value, "+15551234567")
        XCTAssertNotNil(E164Number("+1234567"))
        XCTAssertNotNil(E164Number("+123456789012345"))
    }

    func testRejectsEverythingElse() {
        for text in [
            "12345", "+123456", "+1234567890123456", "+0123456789", "15551234567", "+1555 123", "+1555-1234", "", "+",
            "+１２３４５６７",
        ] {
            XCTAssertNil(E164Number(text), text)
        }
    }
}
