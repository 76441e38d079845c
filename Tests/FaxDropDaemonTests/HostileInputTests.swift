import FaxDropCore
import FaxDropDaemon
import FaxDropSystem
import Foundation
import XCTest

/// Entries built to break a drop zone: each ends in failed/ with its code, nothing outside
/// the spool is opened, moved or changed, and the daemon keeps taking files.
final class HostileInputTests: XCTestCase {
    func testLinksSpecialFilesAndFoldersAreNeverOpened() async throws {
        let spool = try TestSpool()
        let (recorder, folder) = try await startRecordingDaemon(spool)

        // A secret outside the spool, and ways to reach it.
        let outside = spool.root + "/../secret.txt"
        try Data("top secret\n".utf8).write(to: URL(fileURLWithPath: outside))
        let before = try Syscall.lstat(outside)
        XCTAssertEqual(symlink("/etc/shadow", folder + "/shadow.pdf"), 0)
        XCTAssertEqual(symlink(outside, folder + "/secret-link.pdf"), 0)
        XCTAssertEqual(link(outside, folder + "/hardlink.pdf"), 0)
        XCTAssertEqual(mkfifo(folder + "/pipe.pdf", 0o644), 0)
        try Syscall.mkdir(folder + "/subfolder")
        try Data("%PDF-1.4\n".utf8).write(to: URL(fileURLWithPath: folder + "/subfolder/inner.pdf"))
        let socketPath = folder + "/socket.pdf"
        let sock = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in socketPath.utf8.prefix(raw.count - 1).enumerated() { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(sock, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        XCTAssertEqual(bound, 0)
        defer { close(sock) }

        let sidecars = try await spool.waitForSidecars(6, timeout: 20)
        let byName = Dictionary(uniqueKeysWithValues: sidecars.map { ($0.document.originalName, $0) })
        for name in ["shadow.pdf", "secret-link.pdf", "hardlink.pdf", "pipe.pdf", "subfolder", "socket.pdf"] {
            XCTAssertEqual(byName[name]?.error?.code, .notARegularFile, name)
            XCTAssertEqual(byName[name]?.document.sha256, "", "\(name) was never read")
        }
        // The secret is untouched, and /etc/shadow was not moved.
        let after = try Syscall.lstat(outside)
        XCTAssertEqual(after.size, before.size)
        XCTAssertEqual(after.modifiedNanoseconds, before.modifiedNanoseconds)
        XCTAssertEqual(after.inode, before.inode)
        XCTAssertEqual(
            String(decoding: try Data(contentsOf: URL(fileURLWithPath: outside)), as: UTF8.self), "top secret\n")
        XCTAssertEqual(try Syscall.lstat("/etc/shadow").kind, .regular)
        // Links, the FIFO, the socket and the hard link's drop-zone name are removed, nothing
        // is stored for them, and the hard link's other name (the secret) now has one link.
        for name in ["shadow.pdf", "secret-link.pdf", "hardlink.pdf", "pipe.pdf", "socket.pdf"] {
            XCTAssertNil(try Syscall.lstatIfExists(folder + "/" + name), "\(name) is still in the drop zone")
            XCTAssertNil(byName[name]?.document.storedAs, "\(name) was stored")
        }
        XCTAssertEqual(after.linkCount, 1)
        let failedNames = try Syscall.listDirectory(spool.spool.failed)
        let kept = failedNames.filter { !$0.hasSuffix(".json") }
        XCTAssertEqual(
            kept, [try XCTUnwrap(byName["subfolder"]?.document.storedAs)], "only the folder is kept: \(failedNames)")
        for name in failedNames { XCTAssertNotEqual(try Syscall.lstat(spool.spool.failed + "/" + name).kind, .symlink) }
        XCTAssertEqual(recorder.renders.withLock { $0 }, [])
        XCTAssertEqual(recorder.calls.withLock { $0 }, [])
        try TestSpool.assertValid(spool.sidecars().failed)

        // Still taking files afterwards.
        try spool.write([], to: "+15551234567/after.pdf")
        let more = try await spool.waitForSidecars(7, timeout: 10)
        XCTAssertTrue(more.contains { $0.document.originalName == "after.pdf" && $0.error?.code == .emptyFile })
    }

    /// A watched folder renamed to a hidden name, a symlink to `../failed` put in its place and
    /// a file written into the hidden folder under the name of a kept document: the event's
    /// old path is never followed, and the kept document stays where it is (issue 9, item 2).
    func testDestinationFolderSwappedForASymlinkIsNeverFollowed() async throws {
        let spool = try TestSpool()
        let (recorder, folder) = try await startRecordingDaemon(spool, ["FAXDROP_RESCAN_SECONDS": "0"])
        try spool.write(Array("first job\n".utf8), to: "+15551234567/first.txt")
        let firstSidecars = try await spool.waitForSidecars(1, timeout: 15)
        let first = try XCTUnwrap(firstSidecars.first)
        let keptName = try XCTUnwrap(first.document.storedAs)
        let kept = spool.spool.failed + "/" + keptName  // this recorder fails every render
        let keptBefore = try AtomicFile.read(kept)

        try Syscall.rename(folder, spool.root + "/outgoing/.hidden")
        XCTAssertEqual(symlink("../failed", folder), 0)
        try Data("attacker\n".utf8).write(to: URL(fileURLWithPath: spool.root + "/outgoing/.hidden/" + keptName))
        // A real folder and file after it: once that one is taken, the hostile write has been
        // seen and handled.
        try Syscall.mkdir(spool.root + "/outgoing/+15557654321")
        try spool.write(Array("marker\n".utf8), to: "+15557654321/marker.txt")
        let all = try await spool.waitForSidecars(3, timeout: 15)
        XCTAssertTrue(all.contains { $0.document.originalName == "marker.txt" })
        // The swapped-in symlink itself is an entry of outgoing/ that is not a folder.
        XCTAssertTrue(
            all.contains { $0.document.originalName == "+15551234567" && $0.error?.code == .notARegularFile }, "\(all)")

        XCTAssertEqual(try AtomicFile.read(kept), keptBefore, "the kept document is untouched")
        XCTAssertEqual(try AtomicFile.read(spool.root + "/outgoing/.hidden/" + keptName), Array("attacker\n".utf8))
        XCTAssertEqual(recorder.renders.withLock { $0 }.count, 2, "only the two real documents were taken")
        try TestSpool.assertValid(spool.sidecars().done + spool.sidecars().failed)
    }

    /// A document named `*.json` that is not a sidecar is kept under a name that can never be
    /// a sidecar's; the sidecar is whole and `stored_as` names the document (issue 9, item 3).
    func testADocumentNamedJSONNeverTakesTheSidecarsName() async throws {
        let spool = try TestSpool()
        let recorder = CallRecorder()
        _ = try await startDaemon(spool, renderer: recorder, backend: recorder)
        var bytes = [UInt8](repeating: 0, count: 5000)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 7 &+ 0x80) }
        try spool.write(bytes, to: "+15551234567/report.json")
        try spool.write(bytes, to: "+15551234567/REPORT.JSON")
        let sidecars = try await spool.waitForSidecars(2, timeout: 15)
        for sidecar in sidecars {
            XCTAssertEqual(sidecar.error?.code, .unsupportedFormat)
            let storedAs = try XCTUnwrap(sidecar.document.storedAs)
            XCTAssertEqual(storedAs, sidecar.jobID.value + ".bin")
            XCTAssertEqual(
                try AtomicFile.read(spool.spool.failed + "/" + storedAs), bytes, "the document is kept whole")
            XCTAssertEqual(sidecar.document.sha256, SHA256.hex(bytes))
        }
        try TestSpool.assertValid(spool.sidecars().failed)
    }

    func testAwkwardNamesKeepTheirNameInTheSidecar() async throws {
        let spool = try TestSpool()
        let folder = try await startRecordingDaemon(spool).folder
        let long = String(repeating: "é", count: 125) + "x.pdf"  // 255 bytes of UTF-8
        XCTAssertEqual(long.utf8.count, 255)
        let names = ["line\nbreak.pdf", "quote\"s and 'apostrophes'.pdf", long, "back\\slash $(id).pdf"]
        for name in names {
            XCTAssertTrue(FileManager.default.createFile(atPath: folder + "/" + name, contents: Data()))
        }
        // A name that is not UTF-8: ff fe bytes.
        let raw: [UInt8] = Array((folder + "/bad-").utf8) + [0xFF, 0xFE] + Array(".pdf".utf8) + [0]
        let fd = raw.withUnsafeBufferPointer {
            open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_CREAT | O_WRONLY, 0o644)
        }
        XCTAssertGreaterThanOrEqual(fd, 0)
        close(fd)

        let sidecars = try await spool.waitForSidecars(5, timeout: 20)
        let originals = Set(sidecars.map(\.document.originalName))
        for name in names { XCTAssertTrue(originals.contains(name), name.debugDescription) }
        XCTAssertTrue(originals.contains("bad-__.pdf"), "\(originals)")
        XCTAssertTrue(sidecars.allSatisfy { $0.error?.code == .emptyFile })
        try TestSpool.assertValid(spool.sidecars().failed)
    }

    /// A writer that trickles a byte at a time is not taken until it has stopped.
    func testTricklingWriterIsTakenOnlyWhenDone() async throws {
        let spool = try TestSpool()
        let folder = try await startRecordingDaemon(spool, slowWriterSettings).folder
        let path = folder + "/trickle.txt"
        let fd = try Syscall.open(path, O_WRONLY | O_CREAT)
        for i in 0..<12 {
            var byte = UInt8(ascii: "a") + UInt8(i)
            _ = write(fd, &byte, 1)
            try await Task.sleep(for: .milliseconds(200))  // the writer's own pace, below the settle time
            XCTAssertEqual(spool.sidecars().failed.count + spool.sidecars().done.count, 0, "taken while being written")
        }
        Syscall.close(fd)
        let sidecars = try await spool.waitForSidecars(1, timeout: 10)
        XCTAssertEqual(sidecars.first?.document.bytes, 12, "taken whole")
        XCTAssertEqual(sidecars.first?.document.format, .text)
    }
}
