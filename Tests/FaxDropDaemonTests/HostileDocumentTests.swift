import FaxDropCore
import FaxDropDaemon
import FaxDropRenderClient
import FaxDropSystem
import Foundation
import Logging
import XCTest

/// Documents built to exhaust the renderer: each fails with its own code in the renderer's
/// worker process, and an ordinary fax dropped beside them still goes out.
final class HostileDocumentTests: XCTestCase {
    /// A valid PDF of `pages` pages that share one tiny content stream.
    static func manyPagePDF(_ pages: Int) -> [UInt8] {
        let kids = (0..<pages).map { "\(4 + $0) 0 R" }.joined(separator: " ")
        let stream = "BT /F1 24 Tf 72 700 Td (page) Tj ET"
        let page = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R >>"
        return PDFFile.assemble(
            [
                "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Count \(pages) /Kids [\(kids)] >>",
                "<< /Length \(stream.utf8.count) >>\nstream\n\(stream)\nendstream",
            ] + Array(repeating: page, count: pages))
    }

    /// A PNG whose header claims 100000×100000 pixels (its data is a few bytes).
    static func giantPNG() -> [UInt8] {
        func be32(_ v: UInt32) -> [UInt8] {
            [UInt8(v >> 24), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)]
        }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in body {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            }
            return be32(UInt32(data.count)) + body + be32(~crc)
        }
        let ihdr = be32(100_000) + be32(100_000) + [8, 2, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr)
            + chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]) + chunk("IEND", [])
    }

    func testHugeAndHostileDocumentsFailAloneWithTheirCodes() async throws {
        let spool = try TestSpool()
        let pool = startRenderPool(timeout: .seconds(8))
        let backend = LoopbackBackend(pageSeconds: 0, logger: testLogger())
        _ = try await startDaemon(
            spool, ["FAXDROP_RENDER_TIMEOUT": "8"], renderer: LoopbackEndToEndTests.PoolRenderer(pool: pool),
            backend: backend)

        try spool.write(Self.manyPagePDF(10_000), to: "+15551234567/ten-thousand-pages.pdf")
        try spool.write(Self.giantPNG(), to: "+15551234567/giant.png")
        try spool.write(Array("%!PS\n{} loop\n".utf8), to: "+15551234568/forever.ps")
        try spool.copy(TestSpool.corpus + "/pdf/25-enc-userpw.pdf", to: "+15551234569/locked.pdf")
        try spool.copy(TestSpool.corpus + "/pdf/23-onepage-letter.pdf", to: "+15551234570/ordinary.pdf")

        let sidecars = try await spool.waitForSidecars(5, timeout: 120)
        let byName = Dictionary(uniqueKeysWithValues: sidecars.map { ($0.document.originalName, $0) })
        XCTAssertEqual(byName["ten-thousand-pages.pdf"]?.error?.code, .tooManyPages)
        let giant = try XCTUnwrap(byName["giant.png"]?.error?.code)
        XCTAssertTrue([.corruptDocument, .conversionFailed].contains(giant), "\(giant)")
        XCTAssertEqual(byName["forever.ps"]?.error?.code, .conversionTimeout)
        XCTAssertEqual(byName["locked.pdf"]?.error?.code, .encryptedDocument)
        XCTAssertEqual(byName["ordinary.pdf"]?.status, .sent)
        XCTAssertTrue(sidecars.filter { $0.status == .failed }.allSatisfy { $0.attempts.isEmpty }, "nothing dialled")
        try TestSpool.assertValid(spool.sidecars().done + spool.sidecars().failed)
    }

    /// Issue 9's report, through the whole gateway with the spool under the renderer's temp
    /// directory (`/tmp`): a dropped PostScript file reads the other job's sidecar and writes
    /// it as a new document into a destination folder, to be faxed.
    func testPostScriptCannotFaxAnotherJobsSidecarWithTheSpoolUnderTmp() async throws {
        let spool = try TestSpool()
        XCTAssertTrue(spool.root.hasPrefix(NSTemporaryDirectory()), "the spool must be under the temp directory")
        let backend = LoopbackBackend(pageSeconds: 0, logger: testLogger())
        try await startRenderingDaemon(spool, workers: 1, backend: backend)

        try spool.copy(TestSpool.corpus + "/pdf/23-onepage-letter.pdf", to: "+15551234570/ordinary.pdf")
        let first = try await spool.waitForSidecars(1, timeout: 60)
        XCTAssertEqual(first.first?.status, .sent)
        let otherSidecar = try XCTUnwrap(spool.sidecars().done.first)
        let otherBytes = try Data(contentsOf: URL(fileURLWithPath: otherSidecar))

        let stolen = spool.root + "/outgoing/+15551234571/stolen.txt"
        let program = """
            %!PS
            (\(otherSidecar)) (r) file 65536 string readstring pop
            (\(stolen)) (w) file dup 3 -1 roll writestring closefile
            showpage
            """
        try FileManager.default.createDirectory(
            atPath: spool.root + "/outgoing/+15551234571", withIntermediateDirectories: true)
        try spool.write(Array(program.utf8), to: "+15551234567/hostile.ps")

        let sidecars = try await spool.waitForSidecars(2, timeout: 60)
        let hostile = try XCTUnwrap(sidecars.first { $0.document.originalName == "hostile.ps" })
        XCTAssertEqual(hostile.status, .failed)
        XCTAssertEqual(hostile.error?.code, .conversionFailed)
        XCTAssertTrue(hostile.attempts.isEmpty, "nothing dialled")
        // The stolen copy would have been written before the hostile job ended.
        XCTAssertFalse(FileManager.default.fileExists(atPath: stolen), "the other job's sidecar was copied out")
        XCTAssertEqual(try Syscall.listDirectory(spool.root + "/outgoing/+15551234571"), [])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: otherSidecar)), otherBytes)
        XCTAssertEqual(spool.sidecars().done.count + spool.sidecars().failed.count, 2)
        try TestSpool.assertValid(spool.sidecars().done + spool.sidecars().failed)
    }
}
