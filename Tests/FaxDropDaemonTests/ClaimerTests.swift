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
                group.addTask { try? claimer.claim(path, now: Date(), logger: Logger(label: "t")).record }
            }
            var all: [JobRecord?] = []
            for await r in group { all.append(r) }
            return all
        }
        let won = results.compactMap { $0 }
        XCTAssertEqual(won.count, 1)
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.active), [won[0].jobID.value])
        XCTAssertEqual(
            try Syscall.listDirectory(spool.spool.jobFolder(won[0].jobID)).sorted(), ["document", "job.json"])
        XCTAssertEqual(won[0].originalName, "once.pdf")
        XCTAssertEqual(won[0].destination, "+15551234567")
    }

    /// A claim that inspects its document does so through the descriptor it leased: it
    /// opens nothing more than a claim alone, and the findings are the document's.
    func testAClaimInspectsThroughTheDescriptorItAlreadyHolds() throws {
        let spool = try TestSpool()
        let claimer = Claimer(spool: spool.spool, fax: fax)
        let content = Array("%PDF-1.4\n% inspected once\n".utf8)
        try spool.write(content, to: "+15551234567/plain.pdf")
        try spool.write(content, to: "+15551234567/inspected.pdf")
        let folder = spool.spool.outgoing + "/+15551234567/"
        let plain = SyscallTally()
        let alone = try SyscallTally.$current.withValue(plain) {
            try claimer.claim(folder + "plain.pdf", now: Date(), logger: Logger(label: "t"))
        }
        XCTAssertNotNil(alone.record)
        let inspecting = SyscallTally()
        let taken = try SyscallTally.$current.withValue(inspecting) {
            try claimer.claim(
                folder + "inspected.pdf", now: Date(), inspectingUpTo: 1 << 20, logger: Logger(label: "t"))
        }
        let record = try XCTUnwrap(taken.outcome.record)
        let findings = try XCTUnwrap(taken.findings)
        XCTAssertGreaterThan(plain["open"], 0)
        XCTAssertEqual(inspecting["open"], plain["open"], "the inspection opened nothing again")
        XCTAssertEqual(inspecting["close"], plain["close"], "and closed nothing more")
        XCTAssertEqual(findings.sha256, SHA256.hex(content))
        XCTAssertEqual(findings.bytes, Int64(content.count))
        XCTAssertEqual(findings.format, .pdf)
        XCTAssertNil(findings.error)
        XCTAssertFalse(findings.openForWriting)
        XCTAssertEqual(try AtomicFile.read(spool.spool.document(record.jobID)), content)
    }

    /// A file removed between its event and its claim: nothing is claimed, nothing is left.
    func testAFileRemovedBeforeItsClaimLeavesNothing() throws {
        let spool = try TestSpool()
        let claimer = Claimer(spool: spool.spool, fax: fax)
        let record = try claimer.claim(
            spool.spool.outgoing + "/+15551234567/gone.pdf", now: Date(), logger: Logger(label: "t"))
        XCTAssertNil(record.record)
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.active), [])
    }

    /// An event's path whose destination folder was swapped for a symlink (to `../failed`,
    /// where kept documents are) is refused: the claim never follows it.
    func testAFolderSwappedForASymlinkIsNeverFollowed() throws {
        let spool = try TestSpool()
        let claimer = Claimer(spool: spool.spool, fax: fax)
        try Syscall.mkdir(spool.spool.outgoing + "/+15551234567")
        let kept = "01M8JA7CM9VJW4RHQZ5W83BK6E.pdf"
        try AtomicFile.write(Array("kept".utf8), to: spool.spool.failed + "/" + kept, stagingDirectory: spool.spool.tmp)
        try Syscall.rename(spool.spool.outgoing + "/+15551234567", spool.spool.outgoing + "/.hidden")
        XCTAssertEqual(symlink("../failed", spool.spool.outgoing + "/+15551234567"), 0)
        try spool.write(Array("attacker".utf8), to: ".hidden/" + kept)
        let outcome = try claimer.claim(
            spool.spool.outgoing + "/+15551234567/" + kept, now: Date(), logger: Logger(label: "t"))
        XCTAssertNil(outcome.record)
        XCTAssertEqual(try AtomicFile.read(spool.spool.failed + "/" + kept), Array("kept".utf8))
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.active), [])
    }

    /// `outgoing/` itself may be a symlink an administrator made (to another disk): only the
    /// destination folders inside it are refused when they are symlinks.
    func testASymlinkedOutgoingFolderIsStillServed() throws {
        let spool = try TestSpool()
        try Syscall.rename(spool.spool.outgoing, spool.root + "/outgoing-disk")
        XCTAssertEqual(symlink("outgoing-disk", spool.spool.outgoing), 0)
        try spool.write(Array("%PDF-1.4".utf8), to: "+15551234567/a.pdf")
        let claimer = Claimer(spool: spool.spool, fax: fax)
        let record = try claimer.claim(
            spool.spool.outgoing + "/+15551234567/a.pdf", now: Date(), logger: Logger(label: "t")
        ).record
        XCTAssertEqual(record?.originalName, "a.pdf")
        XCTAssertNil(try Syscall.lstatIfExists(spool.root + "/outgoing-disk/+15551234567/a.pdf"))
    }

    /// Job ids are made by FaxDrop alone: a dropped `<ULID>--name` (a far-future id, or the
    /// id of an earlier job) is only a name; the earlier job's kept files are untouched.
    func testADroppedNameNeverChoosesTheJobID() throws {
        let spool = try TestSpool()
        let claimer = Claimer(spool: spool.spool, fax: fax)
        let folder = spool.spool.outgoing + "/+15551234567/"
        try spool.write(Array("%PDF-1.4".utf8), to: "+15551234567/first.pdf")
        let earlier = try XCTUnwrap(
            try claimer.claim(folder + "first.pdf", now: Date(), logger: Logger(label: "t")).record)
        let future = JobID(milliseconds: 250_000_000_000_000, random: (1, 2))  // year 9892
        for forged in [future, earlier.jobID] {
            let name = "\(forged.value)--report.pdf"
            try spool.write(Array("%PDF-1.4 forged".utf8), to: "+15551234567/\(name)")
            let now = Date()
            let record = try XCTUnwrap(try claimer.claim(folder + name, now: now, logger: Logger(label: "t")).record)
            XCTAssertNotEqual(record.jobID, forged)
            XCTAssertEqual(record.originalName, name, "the dropped name is kept whole, as a name")
            XCTAssertGreaterThan(record.jobID, earlier.jobID, "ids keep time order")
            XCTAssertLessThanOrEqual(
                record.jobID.value.prefix(10),
                JobID(milliseconds: UInt64(now.timeIntervalSince1970 * 1000) + 1, random: (0, 0)).value.prefix(10))
        }
        // The earlier job's document is its own, unchanged.
        XCTAssertEqual(try AtomicFile.read(spool.spool.document(earlier.jobID)), Array("%PDF-1.4".utf8))
    }

    /// A claim writes its journal straight into the new job folder: no temp name is made
    /// in `tmp/` (whose modification time, set back an hour first, stays as it was).
    func testAClaimMakesNoNameInTmp() throws {
        let spool = try TestSpool()
        let claimer = Claimer(spool: spool.spool, fax: fax)
        try spool.write(Array("%PDF-1.4".utf8), to: "+15551234567/a.pdf")
        let anHourAgo = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 3600).rounded())
        try FileManager.default.setAttributes([.modificationDate: anHourAgo], ofItemAtPath: spool.spool.tmp)
        let outcome = try claimer.claim(
            spool.spool.outgoing + "/+15551234567/a.pdf", now: Date(), logger: Logger(label: "t"))
        let record = try XCTUnwrap(outcome.record)
        let tmpModified = try FileManager.default.attributesOfItem(atPath: spool.spool.tmp)[.modificationDate] as? Date
        XCTAssertEqual(tmpModified, anHourAgo, "a name was made and removed in tmp/")
        XCTAssertEqual(
            try Syscall.listDirectory(spool.spool.jobFolder(record.jobID)).sorted(), ["document", "job.json"])
        let journaled = try JournalStore(spool: spool.spool).read(record.jobID)
        XCTAssertEqual(journaled.state, .claiming)
        XCTAssertEqual(journaled.originalName, "a.pdf")
    }

    /// `faxdrop submit` gets an id FaxDrop made and puts the whole job in `active/` at once:
    /// nothing in the drop zone names it.
    func testSubmitQueuesAWholeJobUnderItsOwnID() throws {
        let spool = try TestSpool()
        let id = try Submitter(spool: spool.spool).submit(
            bytes: Array("%PDF-1.4".utf8), to: E164Number("+15551234567")!, name: "report.pdf")
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.outgoing), [])
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.jobFolder(id)).sorted(), ["document", "job.json"])
        let record = try JournalStore(spool: spool.spool).read(id)
        XCTAssertEqual(record.state, .claiming)
        XCTAssertEqual(record.originalName, "report.pdf")
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.tmp), ["admit-\(id.value).request"])
    }
}

extension Claimer.Outcome {
    var record: JobRecord? {
        if case .claimed(let record) = self { return record }
        return nil
    }
}
