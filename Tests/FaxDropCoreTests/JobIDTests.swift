import FaxDropCore
import XCTest

final class JobIDTests: XCTestCase {
    func testIDsSortByCreationTimeAndStayUniqueWithinAMillisecond() {
        var generator = JobIDGenerator()
        var ids: [JobID] = []
        for ms in [1_700_000_000_000, 1_700_000_000_000, 1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000]
            as [UInt64]
        {
            ids.append(generator.next(milliseconds: ms))
        }
        XCTAssertEqual(ids, ids.sorted())
        XCTAssertEqual(Set(ids).count, ids.count)
        for id in ids {
            XCTAssertEqual(id.value.count, 26)
            XCTAssertNotNil(JobID(id.value), "round-trips")
        }
    }

    func testTheTimePartIsCrockfordBase32OfTheMilliseconds() {
        // 1_469_922_850_259 ms is the time part "01ARZ3NDEK" of the ULID specification's example.
        let id = JobID(milliseconds: 1_469_922_850_259, random: (0, 0))
        XCTAssertEqual(String(id.value.prefix(10)), "01ARZ3NDEK")
        XCTAssertEqual(String(id.value.suffix(16)), String(repeating: "0", count: 16))
    }

    func testRejectsWhatIsNoJobID() {
        for text in [
            "", "01ARYZ6S41", "01ARYZ6S41000000000000000I", "81ARYZ6S410000000000000000", "../../etc/passwd000000000",
        ] {
            XCTAssertNil(JobID(text), text)
        }
    }
}
