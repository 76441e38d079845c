import FaxDropSystem
import FaxDropWatcher
import XCTest

final class SettleTrackerTests: XCTestCase {
    private func status(size: Int64, mtime: Int64, kind: FileStatus.Kind = .regular) -> FileStatus {
        var s = try! Syscall.lstat("/")
        s.kind = kind
        s.size = size
        s.modifiedNanoseconds = mtime
        return s
    }

    func testReadyOnlyAfterQuietForTheSettleTime() {
        var tracker = SettleTracker(settleSeconds: 2)
        let file = status(size: 10, mtime: 1)
        tracker.note("/a", status: file, now: 100)
        XCTAssertEqual(tracker.poll(now: 101.9) { _ in file }, [])
        XCTAssertEqual(tracker.poll(now: 102.0) { _ in file }, ["/a"])
        XCTAssertFalse(tracker.isTracking("/a"), "a ready file is handed over once")
        XCTAssertEqual(tracker.poll(now: 200) { _ in file }, [])
    }

    /// A change found at the deadline (a writer growing the file without closing it)
    /// restarts the wait from the moment it is seen.
    func testAnyChangeRestartsTheWait() {
        var tracker = SettleTracker(settleSeconds: 2)
        tracker.note("/a", status: status(size: 10, mtime: 1), now: 100)
        // Size grew (at 101.5, say): seen at the deadline, 102.0; quiet only from then.
        XCTAssertEqual(tracker.poll(now: 102.0) { _ in self.status(size: 20, mtime: 1) }, [])
        XCTAssertEqual(tracker.nextDeadline, 104.0)
        XCTAssertEqual(tracker.poll(now: 103.9) { _ in self.status(size: 20, mtime: 1) }, [])
        // Same size, newer mtime (rewritten in place) restarts it again.
        XCTAssertEqual(tracker.poll(now: 104.0) { _ in self.status(size: 20, mtime: 2) }, [])
        XCTAssertEqual(tracker.poll(now: 105.9) { _ in self.status(size: 20, mtime: 2) }, [])
        XCTAssertEqual(tracker.poll(now: 106.0) { _ in self.status(size: 20, mtime: 2) }, ["/a"])
    }

    /// One file settling costs one `lstat`, however many others are pending.
    func testOnlyCandidatesWhoseDeadlineCameAreLookedAt() {
        var tracker = SettleTracker(settleSeconds: 2)
        let file = status(size: 10, mtime: 1)
        tracker.note("/first", status: file, now: 100)
        for i in 0..<1000 { tracker.note("/later-\(i)", status: file, now: 101) }
        var looked: [String] = []
        XCTAssertEqual(
            tracker.poll(now: 101.5) {
                looked.append($0)
                return file
            }, [])
        XCTAssertEqual(looked, [], "nothing is due before 102")
        XCTAssertEqual(
            tracker.poll(now: 102.0) {
                looked.append($0)
                return file
            }, ["/first"])
        XCTAssertEqual(looked, ["/first"])
        XCTAssertEqual(tracker.nextDeadline, 103.0)
        XCTAssertEqual(tracker.count, 1000)
        // Those that fall due together come out together.
        XCTAssertEqual(tracker.poll(now: 103.0) { _ in file }.count, 1000)
        XCTAssertNil(tracker.nextDeadline)
    }

    /// A close that comes while a due candidate is being looked at (outside the lock) wins:
    /// the candidate keeps its new wait.
    func testANoteBetweenTakingAndDecidingKeepsTheNewWait() {
        var tracker = SettleTracker(settleSeconds: 2)
        let file = status(size: 10, mtime: 1)
        tracker.note("/a", status: file, now: 100)
        let due = tracker.takeDue(now: 102)
        XCTAssertEqual(due.map(\.path), ["/a"])
        tracker.note("/a", status: file, now: 102.1)
        XCTAssertEqual(tracker.decide(due.map { (due: $0, status: file) }, now: 102.2), [])
        XCTAssertTrue(tracker.isTracking("/a"))
        XCTAssertEqual(tracker.poll(now: 104.0) { _ in file }, [])
        XCTAssertEqual(tracker.poll(now: 104.1) { _ in file }, ["/a"])
    }

    func testANewCloseRestartsTheWait() {
        var tracker = SettleTracker(settleSeconds: 2)
        let file = status(size: 10, mtime: 1)
        tracker.note("/a", status: file, now: 100)
        tracker.note("/a", status: file, now: 101.5)
        XCTAssertEqual(tracker.poll(now: 102.5) { _ in file }, [])
        XCTAssertEqual(tracker.poll(now: 103.5) { _ in file }, ["/a"])
    }

    /// Rescans more frequent than the settle time must not hold an unchanged file back.
    func testFindingAFileAgainDoesNotRestartTheWait() {
        var tracker = SettleTracker(settleSeconds: 2)
        let file = status(size: 10, mtime: 1)
        tracker.noteFound("/a", status: file, now: 100)
        tracker.noteFound("/a", status: file, now: 101)
        tracker.noteFound("/a", status: file, now: 101.9)
        XCTAssertEqual(tracker.poll(now: 102.0) { _ in file }, ["/a"])
    }

    func testVanishedFilesAreDroppedAndOddEntriesAreTakenAsFound() {
        var tracker = SettleTracker(settleSeconds: 2)
        tracker.note("/gone", status: status(size: 1, mtime: 1), now: 0)
        tracker.note("/link", status: status(size: 1, mtime: 1, kind: .symlink), now: 0)
        tracker.note("/never", status: nil, now: 0)
        let lookup = { (path: String) in path == "/link" ? self.status(size: 1, mtime: 1, kind: .symlink) : nil }
        // A link is due at once; a regular file only at its deadline, when its absence is seen.
        XCTAssertEqual(tracker.poll(now: 0.1, status: lookup), ["/link"])
        XCTAssertEqual(tracker.count, 1)
        XCTAssertEqual(tracker.poll(now: 2.0, status: lookup), [])
        XCTAssertEqual(tracker.count, 0)
    }
}

final class IgnoreRulesTests: XCTestCase {
    func testIgnoredNames() {
        for name in [
            ".hidden.pdf", "~$report.docx", "scan.tmp", "scan.PART", "a.crdownload", "Thumbs.db", "desktop.ini",
            ".DS_Store", "._scan.pdf",
        ] {
            XCTAssertTrue(IgnoreRules.isIgnored(name), name)
        }
        for name in ["scan.pdf", "tmp.pdf", "part", "report~.pdf", "Thumbs.db.pdf"] {
            XCTAssertFalse(IgnoreRules.isIgnored(name), name)
        }
    }
}
