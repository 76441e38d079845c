import FaxDropCore
import FaxDropDaemon
import FaxDropSystem
import Foundation
import XCTest

/// `faxdrop retry` queues a failed job again by the submit path: staged in `tmp/`, moved into
/// `active/` by one rename, its kept documents copied in order, or nothing at all.
final class RetryRequeueTests: XCTestCase {
    private let old = JobID(milliseconds: 1_700_000_000_000, random: (1, 1))
    private let new = JobID(milliseconds: 1_700_000_100_000, random: (2, 2))
    private let fax = Sidecar.Fax(resolution: .normal, paper: .a4, header: "Clinic", localStationID: "+15550001111")

    private func failedSidecar(keptSecond: Bool) -> Sidecar {
        func document(_ name: String, _ stored: String?) -> Sidecar.Document {
            Sidecar.Document(originalName: name, storedAs: stored, bytes: 5, sha256: "", format: .text)
        }
        var sidecar = Sidecar(
            jobID: old, status: .failed, destination: "+15551234567", document: document("a.txt", "\(old)-1.txt"),
            pages: Sidecar.Pages(total: 0, sent: 0), fax: fax, attempts: [], error: nil,
            queuedAt: Date(timeIntervalSince1970: 1_700_000_000),
            completedAt: Date(timeIntervalSince1970: 1_700_000_001),
            gateway: Sidecar.Gateway(host: "test", version: "0"))
        sidecar.documents = [document("a.txt", "\(old)-1.txt"), document("b.txt", keptSecond ? "\(old)-2.txt" : nil)]
        return sidecar
    }

    private func stagedLeftovers(_ spool: Spool) throws -> [String] {
        try Syscall.listDirectory(spool.tmp).filter { $0.hasPrefix("submit-") || $0.hasSuffix(".tmp") }
    }

    func testTheKeptDocumentsAreQueuedInOrderAsOneNewJob() throws {
        let spool = try TestSpool().spool
        try AtomicFile.write(Array("first".utf8), to: spool.failed + "/\(old)-1.txt", stagingDirectory: spool.tmp)
        try AtomicFile.write(Array("second".utf8), to: spool.failed + "/\(old)-2.txt", stagingDirectory: spool.tmp)
        let record = try Submitter(spool: spool).requeue(
            failedSidecar(keptSecond: true), as: new, now: Date(timeIntervalSince1970: 1_700_000_200))
        XCTAssertEqual(record.retryOf, old)
        XCTAssertEqual(record.state, .claiming)
        XCTAssertEqual(record.fax, fax, "a retry keeps the original's fax settings")
        XCTAssertEqual(record.number, E164Number("+15551234567"))
        XCTAssertEqual(record.moreDocuments?.map(\.originalName), ["b.txt"])
        XCTAssertEqual(try AtomicFile.read(spool.document(new)), Array("first".utf8))
        XCTAssertEqual(try AtomicFile.read(spool.jobFolder(new) + "/" + JobDocument.fileName(2)), Array("second".utf8))
        XCTAssertEqual(try JournalStore(spool: spool).read(new), record)
        XCTAssertEqual(try stagedLeftovers(spool), [])
        XCTAssertEqual(
            try AtomicFile.read(spool.failed + "/\(old)-1.txt"), Array("first".utf8), "the old job keeps its own")
    }

    func testAMissingKeptDocumentQueuesNothing() throws {
        let spool = try TestSpool().spool
        try AtomicFile.write(Array("first".utf8), to: spool.failed + "/\(old)-1.txt", stagingDirectory: spool.tmp)
        XCTAssertThrowsError(
            try Submitter(spool: spool).requeue(
                failedSidecar(keptSecond: false), as: new, now: Date(timeIntervalSince1970: 1_700_000_200))
        ) {
            XCTAssertEqual(($0 as? FaxError)?.code, .notARegularFile)
        }
        XCTAssertNil(try Syscall.lstatIfExists(spool.jobFolder(new)))
        XCTAssertEqual(try stagedLeftovers(spool), [])
    }
}
