import FaxDropCore
import Foundation
import XCTest

final class SidecarTests: XCTestCase {
    func testErrorAndFormatAreAlwaysPresentEvenWhenNull() throws {
        let sidecar = Sidecar(
            jobID: JobID(milliseconds: 1, random: (1, 2)), status: .sent, destination: "+15551234567",
            document: .init(originalName: "a.bin", storedAs: "x.bin", bytes: 3, sha256: "", format: nil),
            pages: .init(total: 1, sent: 1),
            fax: .init(resolution: .fine, paper: .letter, header: "", localStationID: ""),
            attempts: [], error: nil, queuedAt: Date(timeIntervalSince1970: 0),
            completedAt: Date(timeIntervalSince1970: 1.5),
            gateway: .init(host: "h", version: "v"))
        let object = try JSONSerialization.jsonObject(with: JSONEncoder.faxdrop().encode(sidecar)) as! [String: Any]
        XCTAssertTrue(object["error"] is NSNull)
        XCTAssertTrue((object["document"] as! [String: Any])["format"] is NSNull)
        XCTAssertEqual(object["schema"] as? String, "faxdrop.result/v1")
        XCTAssertEqual(object["queued_at"] as? String, "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(object["completed_at"] as? String, "1970-01-01T00:00:01.500Z")
        let decoded = try JSONDecoder.faxdrop().decode(Sidecar.self, from: JSONEncoder.faxdrop().encode(sidecar))
        XCTAssertEqual(decoded, sidecar)
    }

    func testAReceivedDocumentOfWhichNothingIsKeptYetWritesEveryKey() throws {
        let empty = ReceivedSidecar.Document()
        let data = try JSONEncoder.faxdrop(pretty: false).encode(empty)
        XCTAssertEqual(
            String(decoding: data, as: UTF8.self),
            #"{"bytes":0,"sha256":"","stored_as":null,"tiff":null,"tiff_bytes":0}"#)
        var kept = empty
        kept.storedAs = "01KB2Y9M4Q3V8J6T0ZP1C5R7WX.pdf"
        kept.bytes = 1234
        kept.sha256 = String(repeating: "ab", count: 32)
        kept.tiff = "01KB2Y9M4Q3V8J6T0ZP1C5R7WX.tif"
        kept.tiffBytes = 99
        let read = try JSONDecoder.faxdrop().decode(
            ReceivedSidecar.Document.self, from: JSONEncoder.faxdrop().encode(kept))
        XCTAssertEqual(read, kept)
        XCTAssertNotEqual(read, empty)
    }

    func testARenderFailureIsTheCodeAndMessageAsTheJournalKeepsThem() throws {
        let reply = RenderReply(
            id: "j", format: .pdf, pages: 0, pageBytes: [], seconds: 0.5,
            error: .init(code: .tooManyPages, message: "more than 100 pages"))
        let data = try JSONEncoder.faxdrop(pretty: false).encode(reply)
        XCTAssertEqual(
            String(decoding: data, as: UTF8.self),
            #"{"error":{"code":"too_many_pages","message":"more than 100 pages"},"format":"pdf","id":"j","#
                + #""pageBytes":[],"pages":0,"seconds":0.5}"#)
        XCTAssertEqual(try JSONDecoder.faxdrop().decode(RenderReply.self, from: data), reply)
        XCTAssertEqual(reply.error, FaxErrorRecord(FaxError(.tooManyPages, "more than 100 pages")))
        XCTAssertEqual(reply.error?.error, FaxError(.tooManyPages, "more than 100 pages"))
    }

    func testEveryCodeHasAStageAndOnlyCallFailuresAreRetried() {
        let retryable = Set(ErrorCode.allCases.filter(\.isRetryable))
        XCTAssertEqual(
            retryable,
            [
                .busy, .noAnswer, .congestion, .channelUnavailable, .faxNegotiationFailed, .faxTransferFailed, .timeout,
                .interrupted,
            ])
        XCTAssertEqual(ErrorCode.invalidDestination.stage, .input)
        XCTAssertEqual(ErrorCode.encryptedDocument.stage, .conversion)
    }
}
