import FaxDropCore
import FaxDropHTTP
import XCTest

final class APIKeyTests: XCTestCase {
    func testOnlyTheKeyIsAccepted() {
        let key = APIKey(Secret("s3cr3t-key"))
        XCTAssertTrue(key.accepts("s3cr3t-key"))
        for other in [nil, "", "s3cr3t-ke", "s3cr3t-key ", "S3CR3T-KEY", "s3cr3t-key\0"] as [String?] {
            XCTAssertFalse(key.accepts(other), "\(String(describing: other))")
        }
    }

    func testNoKeyRefusesEverything() {
        for key in [APIKey(nil), APIKey(Secret(""))] {
            XCTAssertFalse(key.isConfigured)
            XCTAssertFalse(key.accepts(""))
            XCTAssertFalse(key.accepts(nil))
            XCTAssertFalse(key.accepts("anything"))
        }
    }
}
