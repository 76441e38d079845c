import FaxDropCore
import FaxDropFaxImage
import FaxDropSystem
import XCTest

@testable import FaxDropDaemon

/// The copy of the unsent pages is renamed into place whole: a copy that fails part-way
/// leaves nothing under the name the engine would send, and no temporary file either.
final class PageSubsetTests: XCTestCase {
    func testTheUnsentPagesAreRenamedInWhole() throws {
        let spool = try TestSpool()
        let id = JobID(milliseconds: 1_700_000_000_000, random: (4, 4))
        let folder = spool.spool.jobFolder(id)
        try Syscall.mkdir(folder)
        // A four-page fax: one striped page, four times.
        let page = folder + "/page.tif"
        let writer = try FaxImageWriter(path: page)
        try [UInt8](repeating: 0x0F, count: 216 * 64).withUnsafeBytes {
            try writer.appendPage(
                rows: $0, bytesPerRow: 216, width: 1728, height: 64, resolution: .fine, pageNumber: 0, pageCount: 1)
        }
        writer.close()
        let source = folder + "/fax.tif"
        try FaxImage.concatenate(Array(repeating: page, count: 4), to: source)
        try Syscall.unlink(page)
        let made = try XCTUnwrap(PageSubset.make(from: source, firstPage: 3, spool: spool.spool, id: id))
        XCTAssertEqual(made.path, folder + "/fax-from-3.tif")
        XCTAssertEqual(made.pages, 2)
        XCTAssertEqual(try FaxImage.inspect(made.path).count, 2)
        XCTAssertEqual(try Syscall.listDirectory(folder).sorted(), ["fax-from-3.tif", "fax.tif"])
    }

    func testAFailedCopyLeavesNothingUnderTheFinalName() throws {
        let spool = try TestSpool()
        let id = JobID(milliseconds: 1_700_000_000_000, random: (3, 3))
        try Syscall.mkdir(spool.spool.jobFolder(id))
        // Three pages libtiff can walk (so the page count is known) but that are colour LZW,
        // not fax pages: the copy is created, then fails at its first page.
        let source = TestSpool.corpus + "/images/scan-200dpi-color-3p-lzw.tif"
        XCTAssertEqual(try FaxImage.inspect(source).count, 3)
        XCTAssertNil(PageSubset.make(from: source, firstPage: 2, spool: spool.spool, id: id))
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.jobFolder(id)), [])
    }
}
