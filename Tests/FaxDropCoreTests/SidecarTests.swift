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
