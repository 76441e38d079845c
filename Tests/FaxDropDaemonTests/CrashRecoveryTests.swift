import FaxDropCore
import FaxDropDaemon
import FaxDropSystem
import Foundation
import XCTest

/// `kill -9` of the real `faxdrop run` process at the worst moments; a restart resumes
/// every job from its journal: nothing lost, nothing ended twice.
final class CrashRecoveryTests: XCTestCase {
    private func daemonProcess(_ spool: TestSpool, _ env: [String: String]) throws -> Process {
        let defaults = [
            "FAXDROP_SETTLE_MS": "100", "FAXDROP_RESCAN_SECONDS": "0", "FAXDROP_HTTP": "false",
            "FAXDROP_LOG_LEVEL": "warning", "FAXDROP_RETRY_FAX": "0.2",
        ]
        return try runFaxdrop(spool, defaults.merging(env) { _, new in new })
    }

    private func killHard(_ process: Process) {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    private func waitForJournal(_ spool: TestSpool, timeout: Double, where predicate: (JobRecord) -> Bool) async throws
        -> JobRecord
    {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let match = try JournalStore(spool: spool.spool).scan().compactMap(\.record).first(where: predicate) {
                return match
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTFail("the journal never reached the expected state")
        throw CancellationError()
    }

    /// Killed mid-call: the restart records the call as `interrupted` and sends the fax again.
    func testKilledDuringACallIsInterruptedThenSent() async throws {
        let spool = try TestSpool()
        let first = try daemonProcess(spool, ["FAXDROP_LOOPBACK_PAGE_SECONDS": "2"])
        try spool.copy(TestSpool.corpus + "/pdf/23-onepage-letter.pdf", to: "+15551234567/letter.pdf")
        let inCall = try await waitForJournal(spool, timeout: 30) { $0.state == .dialing || $0.state == .sending }
        killHard(first)

        _ = try daemonProcess(spool, ["FAXDROP_LOOPBACK_PAGE_SECONDS": "0"])
        let sidecars = try await spool.waitForSidecars(1, timeout: 30)
        let sidecar = try XCTUnwrap(sidecars.first)
        XCTAssertEqual(sidecar.jobID, inCall.jobID)
        XCTAssertEqual(sidecar.status, .sent)
        XCTAssertEqual(sidecar.attempts.map(\.outcome), ["interrupted", "sent"])
        XCTAssertNotNil(sidecar.attempts.first?.endedAt)
        try await spool.assertActiveEmpties()
        try TestSpool.assertValid(spool.sidecars().done)
    }

    /// Killed while many jobs are at every stage: every file ends in exactly one sidecar.
    func testKilledRepeatedlyLosesAndDuplicatesNothing() async throws {
        let spool = try TestSpool()
        let env = ["FAXDROP_LOOPBACK_PAGE_SECONDS": "0.05", "FAXDROP_MAX_CALLS": "4"]
        var process = try daemonProcess(spool, env)
        let document = try Data(contentsOf: URL(fileURLWithPath: TestSpool.corpus + "/pdf/23-onepage-letter.pdf"))
        var expected = Set<String>()
        for round in 0..<4 {
            for i in 0..<15 {
                let name = "r\(round)-\(i).pdf"
                try spool.write(Array(document), to: "+1555000\(String(format: "%04d", 3000 + i % 5))/\(name)")
                expected.insert(name)
            }
            // Let some jobs get claimed, rendered, called; then pull the plug.
            try await Task.sleep(for: .milliseconds(300 + 200 * round))
            killHard(process)
            process = try daemonProcess(spool, env)
        }
        let sidecars = try await spool.waitForSidecars(expected.count, timeout: 120)
        try await Task.sleep(for: .milliseconds(500))
        let all = spool.sidecars().done + spool.sidecars().failed
        XCTAssertEqual(all.count, expected.count, "no job ended twice")
        XCTAssertEqual(Set(sidecars.map(\.document.originalName)), expected, "no file lost")
        XCTAssertTrue(
            sidecars.allSatisfy { $0.status == .sent }, "\(sidecars.filter { $0.status != .sent }.map(\.error))")
        try await spool.assertActiveEmpties()
        try TestSpool.assertValid(all)
    }
}

/// What a crash can leave in `active/`, recovered at the next start.
final class RecoveryLeftoversTests: XCTestCase {
    func testEmptyJobFolderIsRemovedAndAClaimWithoutItsDocumentIsUndone() async throws {
        let spool = try TestSpool()
        // Killed between the claim's mkdir and its journal.
        var generator = JobIDGenerator()
        let empty = generator.next(milliseconds: 1_700_000_000_000)
        try FileManager.default.createDirectory(
            atPath: spool.spool.jobFolder(empty), withIntermediateDirectories: false)
        // Killed between the journal and the rename: the file is still in the drop zone.
        let unclaimed = generator.next(milliseconds: 1_700_000_000_001)
        try FileManager.default.createDirectory(
            atPath: spool.spool.jobFolder(unclaimed), withIntermediateDirectories: false)
        let record = JobRecord(
            jobID: unclaimed, state: .claiming, destination: "+15551234567", originalName: "a.pdf",
            documentFile: "document",
            fax: Sidecar.Fax(resolution: .fine, paper: .letter, header: "", localStationID: ""), queuedAt: Date())
        try JournalStore(spool: spool.spool).write(record)
        // Something without a journal that holds a file: left for an operator.
        let odd = generator.next(milliseconds: 1_700_000_000_002)
        try FileManager.default.createDirectory(atPath: spool.spool.jobFolder(odd), withIntermediateDirectories: false)
        FileManager.default.createFile(atPath: spool.spool.jobFolder(odd) + "/document", contents: Data("x".utf8))

        let recorder = CallRecorder()
        _ = try await startDaemon(spool, renderer: recorder, backend: recorder)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: spool.spool.active), [odd.value])
        XCTAssertEqual(spool.sidecars().done + spool.sidecars().failed, [])
    }

    /// Interrupted atomic writes are swept at start, but only a dead writer's: a temp file of
    /// a writer that is still running (this process's receiver, a `faxdrop submit`) stays,
    /// or its rename fails (it did: the receiver lands faxes while the engine starts).
    func testOnlyADeadWritersTempFilesAreSweptAtStart() async throws {
        let spool = try TestSpool()
        let dead = spool.spool.tmp + "/.job.json.\(Self.deadPID()).7.tmp"
        let mine = spool.spool.tmp + "/.job.json.\(getpid()).8.tmp"
        let parent = spool.spool.tmp + "/.job.json.\(getppid()).9.tmp"
        for path in [dead, mine, parent] { FileManager.default.createFile(atPath: path, contents: Data("{".utf8)) }

        let recorder = CallRecorder()
        _ = try await startDaemon(spool, renderer: recorder, backend: recorder)
        XCTAssertNil(try Syscall.lstatIfExists(dead), "a dead writer's temp file is swept")
        XCTAssertNotNil(try Syscall.lstatIfExists(mine), "this process's writer keeps its temp file")
        XCTAssertNotNil(try Syscall.lstatIfExists(parent), "a running writer keeps its temp file")
    }

    /// A process id that `kill(pid, 0)` says no process has (high ids are seldom in use).
    static func deadPID() -> pid_t {
        var pid: pid_t = 4_000_000
        while Syscall.processExists(pid) { pid -= 1 }
        return pid
    }

    /// A renderer worker dies with the daemon (`kill -9`) in the middle of a render and
    /// leaves its staging file in the job folder; the resumed job ends, and its folder goes.
    func testARenderersLeftoverStagingFileDoesNotKeepTheJobFolder() async throws {
        let spool = try TestSpool()
        var generator = JobIDGenerator()
        let id = generator.next(milliseconds: 1_700_000_000_000)
        let folder = spool.spool.jobFolder(id)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let record = JobRecord(
            jobID: id, state: .queued, destination: "+15551234567", originalName: "a.pdf", documentFile: "document",
            fax: Sidecar.Fax(resolution: .fine, paper: .letter, header: "", localStationID: ""), queuedAt: Date())
        try JournalStore(spool: spool.spool).write(record)
        FileManager.default.createFile(atPath: spool.spool.document(id), contents: Data("%PDF-1.4\n".utf8))
        FileManager.default.createFile(atPath: folder + "/.fax.tif.4242.17.part", contents: Data("II*\0".utf8))

        let recorder = CallRecorder()
        _ = try await startDaemon(spool, renderer: recorder, backend: recorder)
        let sidecars = try await spool.waitForSidecars(1, timeout: 30)
        XCTAssertEqual(sidecars.map(\.jobID), [id])
        try await spool.assertActiveEmpties()
    }
}
