import FaxDropCore
import FaxDropDaemon
import FaxDropSystem
import Foundation
import Logging
import XCTest

final class ClaimerTests: XCTestCase {
    private let fax = Sidecar.Fax(resolution: .fine, paper: .letter, header: "H", localStationID: "")

    /// The same entry claimed from many tasks at once: exactly one claim wins, the losers
    /// leave no job folder behind.
    func testAnEntryIsClaimedAtMostOnce() async throws {
        let spool = try TestSpool()
        let claimer = Claimer(spool: spool.spool, fax: fax)
        try spool.write(Array("%PDF-1.4".utf8), to: "+15551234567/once.pdf")
        let path = spool.spool.outgoing + "/+15551234567/once.pdf"
        let results = await withTaskGroup(of: JobRecord?.self) { group in
            for _ in 0..<16 {
                group.addTask { try? claimer.claim(path, now: Date(), logger: Logger(label: "t")) }
            }
            var all: [JobRecord?] = []
            for await r in group { all.append(r) }
            return all
        }
        let won = results.compactMap { $0 }
        XCTAssertEqual(won.count, 1)
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.active), [won[0].jobID.value])
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.jobFolder(won[0].jobID)).sorted(), ["document", "job.json"])
        XCTAssertEqual(won[0].originalName, "once.pdf")
        XCTAssertEqual(won[0].destination, "+15551234567")
    }

    /// A file removed between its event and its claim: nothing is claimed, nothing is left.
    func testAFileRemovedBeforeItsClaimLeavesNothing() throws {
        let spool = try TestSpool()
        let claimer = Claimer(spool: spool.spool, fax: fax)
        let record = try claimer.claim(spool.spool.outgoing + "/+15551234567/gone.pdf", now: Date(), logger: Logger(label: "t"))
        XCTAssertNil(record)
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.active), [])
    }

    /// A submitted file carries the id its submitter was told; a forged or reused id is not
    /// honoured twice.
    func testSubmittedFilesKeepTheirIdOnce() throws {
        let spool = try TestSpool()
        let id = try Submitter(spool: spool.spool).submit(
            bytes: Array("%PDF-1.4".utf8), to: E164Number("+15551234567")!, name: "report.pdf")
        let claimer = Claimer(spool: spool.spool, fax: fax)
        let folder = spool.spool.outgoing + "/+15551234567/"
        let name = try XCTUnwrap(try Syscall.listDirectory(folder).first)
        XCTAssertEqual(name, "\(id.value)--report.pdf")
        let first = try XCTUnwrap(try claimer.claim(folder + name, now: Date(), logger: Logger(label: "t")))
        XCTAssertEqual(first.jobID, id)
        XCTAssertEqual(first.originalName, "report.pdf")
        // The same name dropped again gets a fresh id.
        try spool.write(Array("%PDF-1.4".utf8), to: "+15551234567/\(name)")
        let second = try XCTUnwrap(try claimer.claim(folder + name, now: Date(), logger: Logger(label: "t")))
        XCTAssertNotEqual(second.jobID, id)
        XCTAssertEqual(second.originalName, "report.pdf")
    }
}
