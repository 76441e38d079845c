import FaxDropCore
import XCTest

/// `FAXDROP_INBOUND_ROUTES` (SPEC §10): DIDs and prefixes to folders under `incoming/`.
final class InboundRoutesTests: XCTestCase {
    func testLongestMatchWinsAndAnExactDIDBeatsItsPrefix() throws {
        let routes = try InboundRoutes(
            parsing: """
                # department folders
                +1555100*   support
                +15551002   sales      # the sales line
                +1555*      office
                15551009    fax-9
                """)
        XCTAssertEqual(routes.folder(for: "+15551002"), "sales")
        XCTAssertEqual(routes.folder(for: "+15551003"), "support")
        XCTAssertEqual(routes.folder(for: "+15559999"), "office")
        XCTAssertEqual(routes.folder(for: "15551009"), "fax-9")
        XCTAssertNil(routes.folder(for: "+4930123456"))
    }

    func testARouteCannotNameAPathOrABadPattern() {
        for bad in ["+1555 ../etc", "+1555 a/b", "+1555 .hidden", "abc sales", "+1555 sales extra", "+1555*9 x"] {
            XCTAssertThrowsError(try InboundRoutes(parsing: bad), bad)
        }
        XCTAssertThrowsError(try InboundRoutes(parsing: "+1 ok\n+2 ok\n+3 ../x")) { error in
            XCTAssertEqual((error as? InboundRoutes.ParseError)?.line, 3)
        }
    }
}
