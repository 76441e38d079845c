import FaxDropCore
import FaxDropSystem
import Foundation
import XCTest

@testable import FaxDropIndex

/// The index over real sidecars and journals in a temporary spool, with real SQLite.
final class JobIndexTests: XCTestCase {
    let day = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z

    /// 30 ended jobs over three days: sent to two numbers, failed busy / no_answer / invalid.
    func writeHistory(_ spool: IndexTestSpool) throws -> [Sidecar] {
        var all: [Sidecar] = []
        for n in 0..<30 {
            let queued = day.addingTimeInterval(Double(n) * 7200)  // every 2 hours: days 0, 1, 2
            let sidecar: Sidecar
            switch n % 5 {
            case 0:
                sidecar = IndexTestSpool.sidecar(
                    n, status: .failed, number: "+15550000486", name: "Referral \(n).pdf", code: .busy,
                    queuedAt: queued, attempts: 3)
            case 1:
                sidecar = IndexTestSpool.sidecar(
                    n, status: .failed, number: "+442079460000", name: "scan_\(n).tif", code: .noAnswer,
                    queuedAt: queued, attempts: 2)
            default:
                sidecar = IndexTestSpool.sidecar(
                    n, status: .sent, number: n % 2 == 0 ? "+15551234567" : "+15559876543", name: "Invoice-\(n).PDF",
                    queuedAt: queued, pages: n % 4 + 1)
            }
            try spool.write(sidecar)
            all.append(sidecar)
        }
        return all
    }

    /// Dates `done/` and `failed/` an hour back: folders that changed long ago, so the index's
    /// stored mark of them is settled.
    func settleEndedFolders(_ spool: IndexTestSpool) throws {
        for folder in ["/done", "/failed"] {
            try FileManager.default.setAttributes(
                [.modificationDate: Date().addingTimeInterval(-3600)], ofItemAtPath: spool.root + folder)
        }
    }

    func testEverySidecarAppearsWithItsFields() throws {
        let spool = try IndexTestSpool()
        defer { spool.remove() }
        let sidecars = try writeHistory(spool)
        let index = try JobIndex.open(spool: spool.root, logger: quietLogger())
        XCTAssertEqual(try index.totals(), ["sent": 18, "failed": 12])
        for s in sidecars {
            let row = try XCTUnwrap(try index.row(id: s.jobID.value), "\(s.jobID)")
            XCTAssertEqual(row.destination, s.recipient?.number ?? s.destination)
            XCTAssertEqual(row.originalName, s.document.originalName)
            XCTAssertEqual(row.state, s.status.rawValue)
            XCTAssertEqual(row.errorCode, s.error?.code.rawValue)
            XCTAssertEqual(row.errorMessage, s.error?.message)
            XCTAssertEqual(row.pagesTotal, s.pages.total)
            XCTAssertEqual(row.pagesSent, s.pages.sent)
            XCTAssertEqual(row.attempts, s.attempts.count)
            XCTAssertEqual(row.queuedAt.timeIntervalSince1970, s.queuedAt.timeIntervalSince1970, accuracy: 0.001)
            XCTAssertEqual(row.completedAt!.timeIntervalSince1970, s.completedAt.timeIntervalSince1970, accuracy: 0.001)
            XCTAssertNil(row.notBefore)
        }
        XCTAssertNil(try index.row(id: IndexTestSpool.id(999).value))
        let failed = try index.endedTotals()
        XCTAssertEqual(failed.first { $0.code == "busy" }?.count, 6)
        XCTAssertEqual(failed.first { $0.code == "no_answer" }?.count, 6)
        XCTAssertEqual(failed.first { $0.status == "sent" }?.count, 18)
    }

    func testSearchByNumberFileNameStatusCodeAndDate() throws {
        let spool = try IndexTestSpool()
        defer { spool.remove() }
        let sidecars = try writeHistory(spool)
        let index = try JobIndex.open(spool: spool.root, logger: quietLogger())
        func ids(_ q: JobIndexQuery) throws -> [String] { try index.search(q).rows.map(\.id) }
        func expected(_ keep: (Sidecar) -> Bool) -> [String] {
            sidecars.filter(keep).sorted { $0.queuedAt > $1.queuedAt }.map(\.jobID.value)
        }
        // Number: digits with or without "+", any part of the number.
        XCTAssertEqual(try ids(.init(number: "+15551234567")), expected { $0.destination == "+15551234567" })
        XCTAssertEqual(try ids(.init(number: "0486")), expected { $0.destination.hasSuffix("0486") })
        XCTAssertEqual(try ids(.init(number: "4420")), expected { $0.destination.hasPrefix("+4420") })
        XCTAssertEqual(try ids(.init(number: "no digits")), [])
        // File name, case-insensitive substring; `%` and `_` are no wildcards.
        XCTAssertEqual(try ids(.init(text: "invoice")), expected { $0.document.originalName.hasPrefix("Invoice") })
        XCTAssertEqual(
            try ids(.init(text: "referral 1")), expected { $0.document.originalName.hasPrefix("Referral 1") })
        XCTAssertEqual(try ids(.init(text: "scan_")), expected { $0.document.originalName.hasPrefix("scan_") })
        XCTAssertEqual(try ids(.init(text: "%")), [])
        XCTAssertEqual(try ids(.init(text: sidecars[7].jobID.value.lowercased())), [sidecars[7].jobID.value])
        // Status and error code.
        XCTAssertEqual(try ids(.init(states: ["failed"])), expected { $0.status == .failed })
        XCTAssertEqual(try ids(.init(states: ["sent", "failed"])).count, 30)
        XCTAssertEqual(try ids(.init(errorCode: "no_answer")), expected { $0.error?.code == .noAnswer })
        // Dates: queued on the second day only.
        let second = day.addingTimeInterval(86_400)
        XCTAssertEqual(
            try ids(.init(from: second, to: second.addingTimeInterval(86_400))),
            expected { $0.queuedAt >= second && $0.queuedAt < second.addingTimeInterval(86_400) })
        XCTAssertEqual(try ids(.init(from: second, to: second.addingTimeInterval(86_400))).count, 12)
        // Filters combine.
        XCTAssertEqual(
            try ids(.init(states: ["failed"], number: "0486", from: second)),
            expected { $0.error?.code == .busy && $0.queuedAt >= second })
    }

    /// The trigram text index follows inserts, journal-to-sidecar changes, removals and
    /// rebuilds; short, quoted and odd searches keep the substring meaning.
    func testTextSearchFollowsEveryChange() throws {
        let spool = try IndexTestSpool()
        defer { spool.remove() }
        try settleEndedFolders(spool)
        var journal = IndexTestSpool.journal(900, state: .queued, number: "+15558675309", queuedAt: day)
        journal.originalName = "Draft \"x\" copy.pdf"
        try spool.write(journal: journal)
        let index = try JobIndex.open(spool: spool.root, logger: quietLogger())
        func ids(_ q: JobIndexQuery) throws -> [String] { try index.search(q).rows.map(\.id) }
        let id = journal.jobID.value
        XCTAssertEqual(try ids(.init(text: "\"x\" C")), [id], "quotes are text")
        XCTAssertEqual(try ids(.init(text: "dr")), [id], "two characters: still a substring")
        XCTAssertEqual(try ids(.init(number: "867")), [id])
        XCTAssertEqual(try ids(.init(number: "86")), [id])
        XCTAssertEqual(try ids(.init(number: "8675309 1")), [])

        // The sidecar renames it (the name as submitted) and changes the number.
        let ended = IndexTestSpool.sidecar(
            900, status: .sent, number: "+15551112233", name: "Final Ünterlagen.pdf", queuedAt: day)
        try spool.write(ended)
        try index.record(sidecar: ended)
        XCTAssertEqual(try ids(.init(text: "draft")), [])
        XCTAssertEqual(try ids(.init(number: "8675")), [])
        XCTAssertEqual(try ids(.init(text: "final ü")), [], "case-insensitive for ASCII only, as LIKE")
        XCTAssertEqual(try ids(.init(text: "final Ü")), [id])
        XCTAssertEqual(try ids(.init(text: "üNTER")), [], "ASCII letters fold, others not")
        XCTAssertEqual(try ids(.init(number: "1112")), [id])
        XCTAssertEqual(try ids(.init(text: String(id.dropFirst(4).prefix(10)).lowercased())), [id])

        // Gone from done/: gone from the text index too.
        try Syscall.unlink(spool.root + "/done/" + id + ".json")
        let reopened = try JobIndex.open(spool: spool.root, logger: quietLogger())
        XCTAssertEqual(try reopened.search(.init(text: "final")).total, 0)

        // Many sidecars at once (the bulk path), then a rebuild: every name found once.
        for n in 0..<2_100 {
            try spool.write(
                IndexTestSpool.sidecar(
                    1000 + n, status: .sent, number: "+1555\(String(format: "%07d", n))", name: "bulk-\(n).pdf",
                    queuedAt: day))
        }
        let bulk = try JobIndex.open(spool: spool.root, logger: quietLogger())
        XCTAssertEqual(try bulk.search(.init(text: "bulk-2099.")).rows.map(\.originalName), ["bulk-2099.pdf"])
        XCTAssertEqual(try bulk.search(.init(text: "BULK-")).total, 2_100)
        XCTAssertEqual(try bulk.search(.init(number: "0002099")).total, 1)
        try bulk.rebuild()
        XCTAssertEqual(try bulk.search(.init(text: "bulk-20")).total, 111)
        try bulk.record(sidecar: IndexTestSpool.sidecar(1000, status: .sent, name: "renamed.pdf", queuedAt: day))
        XCTAssertEqual(try bulk.search(.init(text: "bulk-0.")).total, 0)
        XCTAssertEqual(try bulk.search(.init(text: "renamed")).total, 1)
    }

    func testPagesAreNewestFirstWithTheTotal() throws {
        let spool = try IndexTestSpool()
        defer { spool.remove() }
        let sidecars = try writeHistory(spool)
        let index = try JobIndex.open(spool: spool.root, logger: quietLogger())
        let newestFirst = sidecars.sorted { $0.queuedAt > $1.queuedAt }.map(\.jobID.value)
        var seen: [String] = []
        for page in 1...4 {
            let result = try index.search(.init(page: page, perPage: 8))
            XCTAssertEqual(result.total, 30)
            XCTAssertEqual(result.page, page)
            XCTAssertEqual(result.perPage, 8)
            XCTAssertEqual(result.rows.count, page == 4 ? 6 : 8)
            seen += result.rows.map(\.id)
        }
        XCTAssertEqual(seen, newestFirst)
        XCTAssertEqual(try index.search(.init(page: 5, perPage: 8)).rows, [])
        XCTAssertEqual(try index.search(.init(perPage: 1000)).perPage, 200, "at most 200 a page")
        let filtered = try index.search(.init(states: ["failed"], page: 2, perPage: 5))
        XCTAssertEqual(filtered.total, 12)
        XCTAssertEqual(
            filtered.rows.map(\.id),
            Array(newestFirst.filter { id in sidecars.first { $0.jobID.value == id }!.status == .failed }[5..<10]))
    }

    func testGarbageInTheFileIsRebuilt() throws {
        let spool = try IndexTestSpool()
        defer { spool.remove() }
        _ = try writeHistory(spool)
        _ = try JobIndex.open(spool: spool.root, logger: quietLogger())
        for suffix in ["-wal", "-shm"] { try? Syscall.unlink(spool.indexPath + suffix) }
        try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: spool.indexPath))
        let index = try JobIndex.open(spool: spool.root, logger: quietLogger())
        XCTAssertEqual(try index.totals(), ["sent": 18, "failed": 12])
        XCTAssertEqual(try index.search(.init(errorCode: "busy")).total, 6)
    }

    func testADeletedIndexIsRebuilt() throws {
        let spool = try IndexTestSpool()
        defer { spool.remove() }
        _ = try writeHistory(spool)
        do { _ = try JobIndex.open(spool: spool.root, logger: quietLogger()) }
        for suffix in ["", "-wal", "-shm"] { try? Syscall.unlink(spool.indexPath + suffix) }
        let index = try JobIndex.open(spool: spool.root, logger: quietLogger())
        XCTAssertEqual(try index.totals(), ["sent": 18, "failed": 12])
    }

    func testAnotherSchemaIsRebuilt() throws {
        let spool = try IndexTestSpool()
        defer { spool.remove() }
        _ = try writeHistory(spool)
        try Syscall.mkdirIfNeeded(spool.root + "/index")
        let made = try runSQLite(spool.indexPath, "CREATE TABLE job (x); PRAGMA user_version = 99;")
        XCTAssertEqual(made, 0)
        let index = try JobIndex.open(spool: spool.root, check: true, logger: quietLogger())
        XCTAssertEqual(try index.totals(), ["sent": 18, "failed": 12])
    }

    /// Sidecars written or removed while nothing had the index open are found at the next open.
    func testSidecarsWrittenWhileClosedAppear() throws {
        let spool = try IndexTestSpool()
        defer { spool.remove() }
        let sidecars = try writeHistory(spool)
        try settleEndedFolders(spool)
        do {
            let index = try JobIndex.open(spool: spool.root, logger: quietLogger())
            XCTAssertFalse(try index.isBehind())
        }
        let late = IndexTestSpool.sidecar(
            500, status: .failed, number: "+15557770000", name: "late.pdf", code: .congestion,
            queuedAt: day.addingTimeInterval(999_999))
        try spool.write(late)
        try Syscall.unlink(spool.root + "/done/" + sidecars[2].jobID.value + ".json")
        let index = try JobIndex.open(spool: spool.root, logger: quietLogger())
        XCTAssertEqual(try index.row(id: late.jobID.value)?.errorCode, "congestion")
        XCTAssertNil(try index.row(id: sidecars[2].jobID.value))
        XCTAssertEqual(try index.totals(), ["sent": 17, "failed": 13])
        XCTAssertEqual(try index.search(.init()).rows.first?.id, late.jobID.value)
        XCTAssertTrue(try index.isBehind(), "folders changed just now: compared again at the next open")
    }

    /// Issue 11: `faxdrop status` after a sidecar the running daemon wrote and recorded does
    /// not list `done/` and `failed/` again; one written while the daemon was down still does.
    func testARecordedSidecarNeedsNoFolderCompareButOneWrittenWhileDownAppears() throws {
        let spool = try IndexTestSpool()
        defer { spool.remove() }
        _ = try writeHistory(spool)
        try settleEndedFolders(spool)
        let daemon = try JobIndex.open(spool: spool.root, catchUp: false, logger: quietLogger())
        XCTAssertEqual(try daemon.catchUp().compared, 30, "the first open lists every sidecar")
        XCTAssertEqual(try daemon.catchUp().compared, 0, "nothing changed: nothing listed")

        // The daemon writes a sidecar, then the observer records it.
        let sent = IndexTestSpool.sidecar(
            600, status: .sent, number: "+15553330000", name: "recorded.pdf", queuedAt: day.addingTimeInterval(500_000))
        try spool.write(sent)
        try daemon.record(sidecar: sent)
        let status = try JobIndex.open(spool: spool.root, catchUp: false, logger: quietLogger())
        let report = try status.catchUp()
        XCTAssertEqual(report.compared, 0, "a recorded sidecar makes no full compare")
        XCTAssertEqual(report.sent, 19)
        XCTAssertFalse(try status.isBehind())
        XCTAssertEqual(try status.row(id: sent.jobID.value)?.originalName, "recorded.pdf")

        // Written while the daemon was down (never recorded): the next open compares and finds it.
        let late = IndexTestSpool.sidecar(
            601, status: .failed, number: "+15553330001", name: "late.pdf", code: .busy,
            queuedAt: day.addingTimeInterval(600_000))
        try spool.write(late)
        let reopened = try JobIndex.open(spool: spool.root, catchUp: false, logger: quietLogger())
        let second = try reopened.catchUp()
        XCTAssertEqual(second.compared, 32)
        XCTAssertEqual(second.loaded, 1)
        XCTAssertEqual(try reopened.row(id: late.jobID.value)?.state, "failed")
        XCTAssertEqual(try reopened.totals(), ["sent": 19, "failed": 13])
    }

    /// A mark removed by `markBehind()` (a failed write) or one taken within 2 s of a folder
    /// change is not moved on by a recorded sidecar: the next open still compares.
    func testARecordedSidecarDoesNotHideAnUnsettledOrRemovedMark() throws {
        let spool = try IndexTestSpool()
        defer { spool.remove() }
        _ = try writeHistory(spool)  // folders changed just now: the stored mark is unsettled
        let daemon = try JobIndex.open(spool: spool.root, logger: quietLogger())
        XCTAssertTrue(try daemon.isBehind())
        let hidden = IndexTestSpool.sidecar(610, status: .sent, name: "same-tick.pdf", queuedAt: day)
        try spool.write(hidden)  // possibly in the same tick as the listing: not recorded
        let recorded = IndexTestSpool.sidecar(611, status: .sent, name: "recorded.pdf", queuedAt: day)
        try spool.write(recorded)
        try daemon.record(sidecar: recorded)
        XCTAssertTrue(try daemon.isBehind())
        let status = try JobIndex.open(spool: spool.root, catchUp: false, logger: quietLogger())
        XCTAssertEqual(try status.catchUp().compared, 32)
        XCTAssertEqual(try status.row(id: hidden.jobID.value)?.state, "sent")

        daemon.markBehind()
        let another = IndexTestSpool.sidecar(612, status: .sent, queuedAt: day)
        try spool.write(another)
        try daemon.record(sidecar: another)
        XCTAssertTrue(try daemon.isBehind(), "a removed mark stays removed")
    }

    /// The daemon stopped after writing a sidecar (its journal removed) but before recording
    /// it, and the folders' times did not show it: the live row's sidecar is looked up.
    func testALiveRowWhoseJournalIsGoneTakesItsSidecar() throws {
        let spool = try IndexTestSpool()
        defer { spool.remove() }
        try settleEndedFolders(spool)
        let journal = IndexTestSpool.journal(620, state: .sending, number: "+15554440000", queuedAt: day)
        try spool.write(journal: journal)
        let daemon = try JobIndex.open(spool: spool.root, logger: quietLogger())
        XCTAssertFalse(try daemon.isBehind())
        XCTAssertEqual(try daemon.row(id: journal.jobID.value)?.state, "sending")
        // Its sidecar is written and its journal removed; another job's sidecar is recorded
        // after it, so the stored folder times already cover the unrecorded one.
        let unrecorded = IndexTestSpool.sidecar(
            620, status: .sent, number: "+15554440000", name: "unrecorded.pdf", queuedAt: day)
        try spool.write(unrecorded)
        try Syscall.removeTree(spool.root + "/active/" + journal.jobID.value)
        let other = IndexTestSpool.sidecar(621, status: .sent, queuedAt: day)
        try spool.write(other)
        try daemon.record(sidecar: other)
        let reopened = try JobIndex.open(spool: spool.root, catchUp: false, logger: quietLogger())
        let report = try reopened.catchUp()
        XCTAssertEqual(report.compared, 0)
        let row = try XCTUnwrap(try reopened.row(id: journal.jobID.value))
        XCTAssertEqual(row.state, "sent")
        XCTAssertEqual(row.originalName, "unrecorded.pdf")
        XCTAssertEqual(try reopened.totals(), ["sent": 2])
    }

    func testJournalsAreLiveRowsAndASidecarReplacesThem() throws {
        let spool = try IndexTestSpool()
        defer { spool.remove() }
        var waiting = IndexTestSpool.journal(700, state: .waiting, number: "+15550000486", queuedAt: day)
        waiting.notBefore = day.addingTimeInterval(180)
        waiting.lastError = FaxErrorRecord(FaxError(.busy, "the line was busy"))
        waiting.attempts = [AttemptRecord(number: 1, startedAt: day, endedAt: day, outcome: "busy")]
        try spool.write(journal: waiting)
        try spool.write(journal: IndexTestSpool.journal(701, state: .converting, number: "+15551112222", queuedAt: day))
        let index = try JobIndex.open(spool: spool.root, logger: quietLogger())
        let row = try XCTUnwrap(try index.row(id: waiting.jobID.value))
        XCTAssertEqual(row.state, "waiting")
        XCTAssertEqual(row.notBefore, waiting.notBefore)
        XCTAssertEqual(row.errorCode, "busy")
        XCTAssertEqual(row.attempts, 1)
        XCTAssertEqual(try index.totals(), ["waiting": 1, "converting": 1])
        XCTAssertEqual(try index.search(.init(states: ["waiting"])).rows.map(\.id), [waiting.jobID.value])

        // The sidecar wins over the journal, and a late journal write never replaces it.
        let ended = IndexTestSpool.sidecar(
            700, status: .failed, number: "+15550000486", code: .busy, queuedAt: day, attempts: 3)
        try index.record(sidecar: ended)
        try index.record(journal: waiting)
        XCTAssertEqual(try index.row(id: waiting.jobID.value)?.state, "failed")
        XCTAssertEqual(try index.row(id: waiting.jobID.value)?.attempts, 3)

        // A job whose journal is gone (and has no sidecar) leaves the index at the next open.
        try Syscall.removeTree(spool.root + "/active/" + IndexTestSpool.id(701).value)
        try spool.write(ended)
        let reopened = try JobIndex.open(spool: spool.root, logger: quietLogger())
        XCTAssertNil(try reopened.row(id: IndexTestSpool.id(701).value))
        XCTAssertEqual(try reopened.totals(), ["failed": 1])
    }

    func testRebuildReadsEverythingAgainAndSkipsUnreadableSidecars() throws {
        let spool = try IndexTestSpool()
        defer { spool.remove() }
        _ = try writeHistory(spool)
        try Data("{not json".utf8).write(
            to: URL(fileURLWithPath: spool.root + "/failed/" + IndexTestSpool.id(800).value + ".json"))
        let index = try JobIndex.open(spool: spool.root, logger: quietLogger())
        let report = try index.rebuild()
        XCTAssertEqual(report.sent, 18)
        XCTAssertEqual(report.failed, 12)
        XCTAssertEqual(report.unreadable, 1)
        XCTAssertEqual(try index.totals(), ["sent": 18, "failed": 12])
    }

    func runSQLite(_ path: String, _ sql: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path, sql]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// The rebuild's own RFC 3339 reader agrees with FaxDrop's writer and reader.
final class SidecarTimeTests: XCTestCase {
    func testFastTimesMatchTimestamp() throws {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let date = Date(timeIntervalSince1970: Double.random(in: 0..<4_102_444_800, using: &random))
            let text = Timestamp.format(date)
            let fast = try XCTUnwrap(SidecarSummary.Time.fast(text), text)
            XCTAssertEqual(fast, Timestamp.parse(text), text)
        }
        for text in ["2024-02-29T23:59:59.999Z", "2000-03-01T00:00:00.000Z", "1970-01-01T00:00:00.000Z"] {
            XCTAssertEqual(SidecarSummary.Time.fast(text), Timestamp.parse(text), text)
        }
        // Other forms are left to Timestamp.parse.
        XCTAssertNil(SidecarSummary.Time.fast("2026-01-01T08:00:00+01:00"))
        XCTAssertNil(SidecarSummary.Time.fast("2026-13-01T00:00:00.000Z"))
    }
}
