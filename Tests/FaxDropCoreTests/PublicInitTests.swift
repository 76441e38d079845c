import FaxDropCore
import XCTest

/// A type with every kind of member the macro must tell apart; it is built below through
/// the generated init only, so a wrong rule fails to compile or fails an assertion.
@PublicInit
struct PublicInitSample: Equatable {
    static let shared = 7
    let fixed = "fixed"
    let required: Int
    var named: String
    var optional: String?
    var counted: Int = 3
    var observed: Int = 0 {
        didSet { observedChanges += 1 }
    }
    var observedChanges: Int = 0
    var doubled: Int { required * 2 }
    @ExplicitNull var wrapped: String?
}

final class PublicInitTests: XCTestCase {
    func testOnlyPropertiesWithoutAValueMustBeGivenAndTheyComeInDeclarationOrder() {
        let sample = PublicInitSample(required: 1, named: "a")
        XCTAssertEqual(sample.required, 1)
        XCTAssertEqual(sample.named, "a")
        XCTAssertNil(sample.optional)
        XCTAssertEqual(sample.counted, 3)
        XCTAssertEqual(sample.observed, 0)
        XCTAssertNil(sample.wrapped)
        XCTAssertEqual(sample.fixed, "fixed")
        XCTAssertEqual(sample.doubled, 2)
    }

    func testEveryStoredVarCanBeGivenAndIsKept() {
        let sample = PublicInitSample(
            required: 2, named: "b", optional: "o", counted: 9, observed: 4, observedChanges: 1, wrapped: "w")
        XCTAssertEqual(sample.optional, "o")
        XCTAssertEqual(sample.counted, 9)
        XCTAssertEqual(sample.observed, 4)
        // An init sets a property without running its observers.
        XCTAssertEqual(sample.observedChanges, 1)
        XCTAssertEqual(sample.wrapped, "w")
    }

    func testASidecarsPartsKeepTheirDefaults() {
        let attempt = AttemptRecord(number: 1, startedAt: Date(timeIntervalSince1970: 0))
        XCTAssertEqual(attempt.pagesSent, 0)
        XCTAssertEqual(attempt.firstPage, 1)
        XCTAssertEqual(attempt.details, CallDetails())
        XCTAssertNil(attempt.node)
        let node = AsteriskNode(name: "a", host: "h", secret: Secret("s"), maxChannels: 2)
        XCTAssertEqual(node.port, 5038)
        XCTAssertEqual(node.username, "faxdrop")
        XCTAssertEqual(node.prefixes, ["*"])
        XCTAssertEqual(node.weight, 1)
        XCTAssertEqual(node.callsPerSecond, 0)
    }
}
