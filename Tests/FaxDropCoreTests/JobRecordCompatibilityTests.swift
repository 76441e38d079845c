import FaxDropCore
import Foundation
import XCTest

/// The destination is parsed once, when a record is made, and stored beside the folder name;
/// journals written before that (the number only as the `destination` string) still read.
final class JobRecordCompatibilityTests: XCTestCase {
    private func record(_ destination: String) -> JobRecord {
        JobRecord(
            jobID: JobID(milliseconds: 1_700_000_000_000, random: (7, 9)), state: .queued, destination: destination,
            originalName: "a.pdf", documentFile: "document",
            fax: Sidecar.Fax(resolution: .fine, paper: .letter, header: "Clinic", localStationID: "+15550001111"),
            queuedAt: Date(timeIntervalSince1970: 1_700_000_000))
    }

    /// A journal as the previous version wrote it: the same fields without `number`.
    private func oldFormat(_ record: JobRecord) throws -> Data {
        var object = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: try JSONEncoder.faxdrop().encode(record)) as? [String: Any])
        object["number"] = nil
        return try JSONSerialization.data(withJSONObject: object)
    }

    func testTheNumberIsParsedWhenTheRecordIsMadeAndJournaled() throws {
        let made = record("+15551234567")
        XCTAssertEqual(made.number, E164Number("+15551234567"))
        let json = try XCTUnwrap(String(data: try JSONEncoder.faxdrop(pretty: false).encode(made), encoding: .utf8))
        XCTAssertTrue(json.contains("\"number\":\"+15551234567\""), json)
        XCTAssertEqual(try JobRecord.decode(from: Data(json.utf8)), made)
        XCTAssertNil(record("12345").number, "a folder name that is no number stays a name")
    }

    func testAnOldJournalWithTheDestinationAsAStringStillReads() throws {
        let old = try oldFormat(record("+15551234567"))
        XCTAssertFalse(String(decoding: old, as: UTF8.self).contains("\"number\""))
        let read = try JobRecord.decode(from: old)
        XCTAssertEqual(read.destination, "+15551234567")
        XCTAssertEqual(read.number, E164Number("+15551234567"))
        XCTAssertEqual(read, record("+15551234567"))

        let invalid = try JobRecord.decode(from: try oldFormat(record("12345")))
        XCTAssertEqual(invalid.destination, "12345")
        XCTAssertNil(invalid.number)
    }
}
