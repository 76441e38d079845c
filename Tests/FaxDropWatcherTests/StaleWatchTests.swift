import FaxDropCore
import FaxDropSystem
import FaxDropWatcher
import Foundation
import XCTest

/// A destination folder deleted, or renamed away, and created again under the same name is
/// watched again within a second, with periodic rescans turned off (issue 9, item 2).
final class StaleWatchTests: XCTestCase {
    private var root = ""

    override func setUpWithError() throws {
        root = try makeDropZone("stale")
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

    /// `folder`, gone, is created again: it is watched within 1 s, and a file `name` written
    /// into it is delivered.
    private func assertWatchedAgain(
        _ folder: String, delivering name: String, to deliveries: Deliveries, _ how: String
    ) async throws {
        try Syscall.mkdir(folder)
        let watched = try await Self.waitUntilWatched(folder, timeout: 1)
        XCTAssertNotNil(watched, "a folder \(how) and created again is watched within 1 s")
        try write(folder + "/" + name)
        let delivered = await deliveries.wait(for: folder + "/" + name, timeout: 5)
        XCTAssertTrue(delivered, name)
    }

    func testRecreatedFolderIsWatchedAgainWithoutRescans() async throws {
        let (intake, deliveries) = try startIntake(root, settleMilliseconds: 100, removing: true)
        let folder = root + "/outgoing/+15551234567"
        try Syscall.mkdir(folder)
        let first = try await Self.waitUntilWatched(folder, timeout: 1)
        XCTAssertNotNil(first, "a new folder is watched")

        // Deleted and created again.
        try Syscall.rmdir(folder)
        try await assertWatchedAgain(folder, delivering: "after-delete.pdf", to: deliveries, "deleted")

        // Renamed away (to a hidden name, which is never watched) and created again.
        try Syscall.rename(folder, root + "/outgoing/.old")
        try await assertWatchedAgain(folder, delivering: "after-rename.pdf", to: deliveries, "renamed away")
        // A file written into the hidden folder is never reported, under any name.
        try write(root + "/outgoing/.old/hidden.pdf")
        try write(folder + "/marker.pdf")
        let deliveredMarker = await deliveries.wait(for: folder + "/marker.pdf", timeout: 5)
        XCTAssertTrue(deliveredMarker)
        XCTAssertFalse(
            deliveries.paths.contains { $0.hasSuffix("/hidden.pdf") }, "\(deliveries.paths)")
        await intake.stop()
    }
}
