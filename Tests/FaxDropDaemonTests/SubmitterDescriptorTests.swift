import FaxDropCore
import FaxDropDaemon
import FaxDropSystem
import Foundation
import XCTest

/// `Submitter` closes every descriptor it opens exactly once, also when the last rename of
/// the job into `active/` fails, and leaves nothing staged behind.
final class SubmitterDescriptorTests: XCTestCase {
    func testFailedRenameIntoActiveClosesEachDescriptorOnce() throws {
        let test = try TestSpool()
        let spool = test.spool
        // `active/` replaced by a dangling symlink: the layout check accepts the name, the
        // rename of the staged job into it fails with ENOENT.
        try Syscall.rmdir(spool.active)
        XCTAssertEqual(symlink(test.root + "/nowhere", spool.active), 0)
        let tally = SyscallTally()
        XCTAssertThrowsError(
            try SyscallTally.$current.withValue(tally) {
                try Submitter(spool: spool).submit(
                    documents: [(Array("%PDF-1.4 one".utf8), "a.pdf"), (Array("%PDF-1.4 two".utf8), "b.pdf")],
                    to: E164Number("+15551234567")!)
            }
        ) { error in
            XCTAssertEqual((error as? SystemError)?.errno, ENOENT)
        }
        XCTAssertGreaterThan(tally["open"], 2)
        XCTAssertEqual(tally["close"], tally["open"], "every descriptor closed once")
        XCTAssertEqual(
            try Syscall.listDirectory(spool.tmp).filter { $0.hasPrefix("submit-") || $0.hasSuffix(".tmp") }, [],
            "the staged job is removed")
    }
}
