import FaxDropCore
import Foundation
import XCTest

/// `E164Number` and `JobID` share their text, order and JSON form (`ValidatedString`); the
/// journal and the sidecars hold them as bare JSON strings that are checked again when read.
final class ValidatedStringTests: XCTestCase {
    private struct Holder<Value: Codable & Equatable>: Codable, Equatable {
        var value: Value
    }

    private func assertBareJSONString<Value: ValidatedString>(
        _ value: Value, _ text: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let data = try JSONEncoder.faxdrop(pretty: false).encode(Holder(value: value))
        XCTAssertEqual(String(decoding: data, as: UTF8.self), "{\"value\":\"\(text)\"}", file: file, line: line)
        XCTAssertEqual(
            try JSONDecoder.faxdrop().decode(Holder<Value>.self, from: data).value, value, file: file, line: line)
        XCTAssertEqual(value.description, text, file: file, line: line)
        XCTAssertEqual("\(value)", text, file: file, line: line)
    }

    private func assertRejected<Value: ValidatedString>(
        _ type: Value.Type, _ text: String, saying problem: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        let data = Data("{\"value\":\"\(text)\"}".utf8)
        XCTAssertThrowsError(try JSONDecoder.faxdrop().decode(Holder<Value>.self, from: data), file: file, line: line) {
            guard case DecodingError.dataCorrupted(let context) = $0 else {
                return XCTFail("not dataCorrupted: \($0)", file: file, line: line)
            }
            XCTAssertEqual(context.debugDescription, problem, file: file, line: line)
            XCTAssertEqual(context.codingPath.map(\.stringValue), ["value"], file: file, line: line)
        }
    }

    func testNumbersAndIDsAreBareJSONStringsThatReadBackEqual() throws {
        try assertBareJSONString(E164Number("+15551234567")!, "+15551234567")
        try assertBareJSONString(JobID("01KB2Y9M4Q3V8J6T0ZP1C5R7WX")!, "01KB2Y9M4Q3V8J6T0ZP1C5R7WX")
        let made = JobID(milliseconds: 1_577_880_000_000, random: (hi: 1, lo: 2))
        try assertBareJSONString(made, made.value)
    }

    func testReadingATextThatIsNotOneFailsWithItsOwnWords() {
        assertRejected(E164Number.self, "15551234567", saying: "not E.164")
        assertRejected(E164Number.self, "+0551234567", saying: "not E.164")
        assertRejected(JobID.self, "01KB2Y9M4Q3V8J6T0ZP1C5R7W", saying: "not a job id")
        assertRejected(JobID.self, "81KB2Y9M4Q3V8J6T0ZP1C5R7WX", saying: "not a job id")
        // A number is no job id and a job id no number.
        assertRejected(JobID.self, "+15551234567", saying: "not a job id")
        assertRejected(E164Number.self, "01KB2Y9M4Q3V8J6T0ZP1C5R7WX", saying: "not E.164")
    }

    func testBothSortAsTheirText() {
        let numbers = ["+4930123456", "+15551234567", "+15551234560", "+33123456789"].map { E164Number($0)! }
        XCTAssertEqual(numbers.sorted().map(\.value), ["+15551234560", "+15551234567", "+33123456789", "+4930123456"])
        XCTAssertFalse(numbers[0] < numbers[0])
        let early = JobID(milliseconds: 1_000, random: (hi: 0xFFFF, lo: .max))
        let late = JobID(milliseconds: 1_001, random: (hi: 0, lo: 0))
        XCTAssertLessThan(early, late)
        XCTAssertEqual([late, early].sorted(), [early, late])
    }
}
