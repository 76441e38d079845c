import FaxDropSystem
import Foundation
import XCTest

/// `AtomicFile.writeNew`: a new file linked in whole, no temp name, never replacing.
final class WriteNewTests: XCTestCase {
    private func makeFolder() throws -> String {
        try Syscall.makeTemporaryDirectory(prefix: NSTemporaryDirectory() + "faxdrop-new-")
    }

    func testWritesTheWholeFileUnderItsNameAndNothingElse() throws {
        let folder = try makeFolder()
        let fd = try Syscall.openDirectoryOwned(folder)
        let bytes = Array(repeating: UInt8(ascii: "x"), count: 100_000)
        let tally = SyscallTally()
        try SyscallTally.$current.withValue(tally) {
            try AtomicFile.writeNew(bytes, named: "job.json", in: fd.rawValue)
        }
        XCTAssertEqual(try Syscall.listDirectory(folder), ["job.json"])
        XCTAssertEqual(try AtomicFile.read(folder + "/job.json"), bytes)
        XCTAssertEqual(try Syscall.lstat(folder + "/job.json").linkCount, 1)
        XCTAssertEqual(tally["fsync"], 0)
        XCTAssertEqual(tally["open"], 1)
        XCTAssertEqual(tally["close"], 1)
    }

    func testNeverReplacesAFileThatIsThere() throws {
        let folder = try makeFolder()
        let fd = try Syscall.openDirectoryOwned(folder)
        try AtomicFile.writeNew(Array("first".utf8), named: "job.json", in: fd.rawValue)
        XCTAssertThrowsError(try AtomicFile.writeNew(Array("second".utf8), named: "job.json", in: fd.rawValue)) {
            error in
            XCTAssertEqual((error as? SystemError)?.errno, EEXIST)
        }
        XCTAssertEqual(try AtomicFile.read(folder + "/job.json"), Array("first".utf8))
        XCTAssertEqual(try Syscall.listDirectory(folder), ["job.json"])
    }
}
