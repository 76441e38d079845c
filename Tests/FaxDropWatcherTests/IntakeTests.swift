import FaxDropCore
import FaxDropSystem
import FaxDropWatcher
import Foundation
import Logging
import Synchronization
import XCTest

/// Real inotify on real folders.
final class IntakeTests: XCTestCase {
    private var root = ""

    override func setUpWithError() throws {
        root = try makeDropZone("intake")
    }

    private func start(settleMilliseconds: Int = 300) throws -> (Intake, Deliveries) {
        try startIntake(root, settleMilliseconds: settleMilliseconds)
    }

    /// A scanner opens, writes, closes, pauses shorter than the settle time, reopens and
    /// appends: the file is delivered once, whole, after the last close.
    func testFileWrittenInPiecesIsTakenOnceWhole() async throws {
        try Syscall.mkdir(root + "/outgoing/+15551234567")
        let (intake, deliveries) = try start(settleMilliseconds: 1500)
        let path = root + "/outgoing/+15551234567/scan.pdf"
        let part = [UInt8](repeating: 0x41, count: 50_000)
        let first = Date()
        try append(part, to: path)
        try await Task.sleep(for: .milliseconds(250))  // a pause shorter than the settle time
        try append(part, to: path)
        let lastClose = Date()
        try await deliveries.wait(count: 1, timeout: 10)
        let delivered = deliveries.items.withLock { $0 }
        XCTAssertEqual(delivered.first?.path, path)
        XCTAssertEqual(delivered.first?.size, 100_000, "delivered whole")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(lastClose), 1.5, "not before quiet for the settle time")
        XCTAssertGreaterThan(lastClose, first)
        // Rename it away (as a claim does): no second delivery follows.
        try Syscall.rename(path, root + "/claimed.pdf")
        try await Task.sleep(for: .milliseconds(900))
        XCTAssertEqual(deliveries.paths, [path])
        await intake.stop()
    }

    /// A destination folder created a moment before the file is watched in time, and a file
    /// that raced in before its watch existed is still found by the folder's first scan.
    func testFileInAFolderCreatedAMomentEarlierIsTaken() async throws {
        let (intake, deliveries) = try start(settleMilliseconds: 100)
        var expected: [String] = []
        for i in 0..<20 {
            let folder = root + "/outgoing/+1555000\(String(format: "%04d", i))"
            try Syscall.mkdir(folder)
            try append(Array("%PDF-1.4 \(i)".utf8), to: folder + "/doc.pdf")
            expected.append(folder + "/doc.pdf")
        }
        try await deliveries.wait(count: 20, timeout: 15)
        XCTAssertEqual(Set(deliveries.paths), Set(expected))
        await intake.stop()
    }

    /// Files present before start-up are found by the start-up scan; a rename into a folder
    /// counts as complete; ignored names are never delivered.
    func testStartupScanRenameInAndIgnoredNames() async throws {
        try Syscall.mkdir(root + "/outgoing/+15557654321")
        try append([1, 2, 3], to: root + "/outgoing/+15557654321/before.pdf")
        try append([1, 2, 3], to: root + "/outgoing/+15557654321/.hidden.pdf")
        let (intake, deliveries) = try start(settleMilliseconds: 100)
        try append([4, 5, 6], to: root + "/staged.pdf")
        try Syscall.rename(root + "/staged.pdf", root + "/outgoing/+15557654321/moved.pdf")
        try append([7], to: root + "/outgoing/+15557654321/upload.part")
        try await deliveries.wait(count: 2, timeout: 10)
        XCTAssertEqual(
            Set(deliveries.paths),
            [root + "/outgoing/+15557654321/before.pdf", root + "/outgoing/+15557654321/moved.pdf"])
        await intake.stop()
    }

    /// Entries that fall due while the previous batch is still being taken are handed over
    /// together at the next turn, in one call, not one call each.
    func testFilesThatSettledMeanwhileAreHandedOverInOneBatch() async throws {
        try Syscall.mkdir(root + "/outgoing/+15551234567")
        let folder = root + "/outgoing/+15551234567"
        let batches = Mutex<[[String]]>([])
        let release = Atomic<Bool>(false)
        let intake = Intake(
            outgoing: root + "/outgoing", settle: .milliseconds(100), rescanInterval: 0, logger: Logger(label: "t"))
        try intake.start(onSettled: { paths in
            batches.withLock { $0.append(paths) }
            // The first batch is taken slowly: the test says when it is done.
            while !release.load(ordering: .acquiring) { try? await Task.sleep(for: .milliseconds(5)) }
            return []
        })
        try append(Array("%PDF-1.4 first".utf8), to: folder + "/first.pdf")
        try await waitUntil(timeout: 10) { batches.withLock { $0.count } == 1 }
        var expected: [String] = []
        for i in 0..<20 {
            try append(Array("%PDF-1.4 \(i)".utf8), to: folder + "/doc-\(i).pdf")
            expected.append(folder + "/doc-\(i).pdf")
        }
        // Every file is tracked, then its settle time (100 ms) has passed since.
        try await waitUntil(timeout: 10) { intake.pending == 20 }
        let allNoted = Date()
        try await waitUntil(timeout: 10) { Date().timeIntervalSince(allNoted) >= 0.2 }
        release.store(true, ordering: .releasing)
        try await waitUntil(timeout: 10) { batches.withLock { $0.count } == 2 }
        let handed = batches.withLock { $0 }
        XCTAssertEqual(handed[0], [folder + "/first.pdf"])
        XCTAssertEqual(handed[1], expected.sorted(), "the twenty settled files come in one batch")
        await intake.stop()
    }

    private func waitUntil(timeout: Double, _ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            if Date() > deadline { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Only one libinotifytools instance per process: a second start is refused, not corrupted.
    func testOneWatcherPerProcess() async throws {
        let (intake, _) = try start()
        let second = Intake(
            outgoing: root + "/outgoing", settle: .milliseconds(100), rescanInterval: 0, logger: Logger(label: "t"))
        XCTAssertThrowsError(try second.start { _ in true })
        await intake.stop()
        let (third, _) = try start()
        await third.stop()
    }

    private func append(_ bytes: [UInt8], to path: String) throws {
        let fd = try Syscall.open(path, O_WRONLY | O_CREAT | O_APPEND)
        defer { Syscall.close(fd) }
        try bytes.withUnsafeBytes { try Syscall.writeAll(fd, $0) }
    }
}
