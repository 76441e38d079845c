import FaxDropCore
import FaxDropSystem
import FaxDropWatcher
import Foundation
import Logging
import Synchronization
import XCTest

/// A destination folder deleted, or renamed away, and created again under the same name is
/// watched again within a second, with periodic rescans turned off (issue 9, item 2).
final class StaleWatchTests: XCTestCase {
    private var root = ""

    override func setUpWithError() throws {
        var template = Array((NSTemporaryDirectory() + "faxdrop-stale-XXXXXX").utf8CString)
        root = String(cString: mkdtemp(&template)!)
        try Syscall.mkdir(root + "/outgoing")
    }

    private final class Deliveries: Sendable {
        let paths = Mutex<[String]>([])
        func wait(for path: String, timeout: Double) async -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if paths.withLock({ $0.contains(path) }) { return true }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return false
        }
    }

    /// The inodes this process's inotify instances watch, from `/proc/self/fdinfo`.
    static func watchedInodes() -> Set<UInt64> {
        var inodes: Set<UInt64> = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            guard
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + name))
                    == "anon_inode:inotify",
                let info = try? String(contentsOfFile: "/proc/self/fdinfo/" + name, encoding: .utf8)
            else { continue }
            for line in info.split(separator: "\n") where line.hasPrefix("inotify wd:") {
                for field in line.split(separator: " ") where field.hasPrefix("ino:") {
                    if let ino = UInt64(field.dropFirst(4), radix: 16) { inodes.insert(ino) }
                }
            }
        }
        return inodes
    }

    /// Polls until `folder`'s inode is watched; returns the time it took, or `nil` past `timeout`.
    static func waitUntilWatched(_ folder: String, timeout: Double) async throws -> Double? {
        let inode = try Syscall.lstat(folder).inode
        let start = Date()
        while Date().timeIntervalSince(start) < timeout {
            if watchedInodes().contains(inode) { return Date().timeIntervalSince(start) }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    private func write(_ path: String) throws {
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("%PDF-1.4\n".utf8)))
    }

    func testRecreatedFolderIsWatchedAgainWithoutRescans() async throws {
        let deliveries = Deliveries()
        let intake = Intake(
            outgoing: root + "/outgoing", settle: .milliseconds(100), rescanInterval: 0, logger: Logger(label: "t"))
        try intake.start { path in
            deliveries.paths.withLock { $0.append(path) }
            try? Syscall.unlink(path)  // taken, as a claim would
            return true
        }
        let folder = root + "/outgoing/+15551234567"
        try Syscall.mkdir(folder)
        let first = try await Self.waitUntilWatched(folder, timeout: 1)
        XCTAssertNotNil(first, "a new folder is watched")

        // Deleted and created again.
        try Syscall.rmdir(folder)
        try Syscall.mkdir(folder)
        let again = try await Self.waitUntilWatched(folder, timeout: 1)
        XCTAssertNotNil(again, "a folder deleted and created again is watched within 1 s")
        try write(folder + "/after-delete.pdf")
        let deliveredAfterDelete = await deliveries.wait(for: folder + "/after-delete.pdf", timeout: 5)
        XCTAssertTrue(deliveredAfterDelete)

        // Renamed away (to a hidden name, which is never watched) and created again.
        try Syscall.rename(folder, root + "/outgoing/.old")
        try Syscall.mkdir(folder)
        let afterRename = try await Self.waitUntilWatched(folder, timeout: 1)
        XCTAssertNotNil(afterRename, "a folder renamed away and created again is watched within 1 s")
        try write(folder + "/after-rename.pdf")
        let deliveredAfterRename = await deliveries.wait(for: folder + "/after-rename.pdf", timeout: 5)
        XCTAssertTrue(deliveredAfterRename)
        // A file written into the hidden folder is never reported, under any name.
        try write(root + "/outgoing/.old/hidden.pdf")
        try write(folder + "/marker.pdf")
        let deliveredMarker = await deliveries.wait(for: folder + "/marker.pdf", timeout: 5)
        XCTAssertTrue(deliveredMarker)
        XCTAssertFalse(
            deliveries.paths.withLock { $0 }.contains { $0.hasSuffix("/hidden.pdf") },
            "\(deliveries.paths.withLock { $0 })")
        await intake.stop()
    }
}
