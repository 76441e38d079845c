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

    func testAnyChangeRestartsTheWait() {
        var tracker = SettleTracker(settleSeconds: 2)
        tracker.note("/a", status: status(size: 10, mtime: 1), now: 100)
        // Size grew at 101.5: quiet only from then.
        XCTAssertEqual(tracker.poll(now: 101.5) { _ in self.status(size: 20, mtime: 1) }, [])
        XCTAssertEqual(tracker.poll(now: 103.0) { _ in self.status(size: 20, mtime: 1) }, [])
        // Same size, newer mtime (rewritten in place) restarts it again.
        XCTAssertEqual(tracker.poll(now: 103.4) { _ in self.status(size: 20, mtime: 2) }, [])
        XCTAssertEqual(tracker.poll(now: 105.3) { _ in self.status(size: 20, mtime: 2) }, [])
        XCTAssertEqual(tracker.poll(now: 105.4) { _ in self.status(size: 20, mtime: 2) }, ["/a"])
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
        let ready = tracker.poll(now: 0.1) { path in
            path == "/link" ? self.status(size: 1, mtime: 1, kind: .symlink) : nil
        }
        XCTAssertEqual(ready, ["/link"])
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
