import FaxDropCore
import FaxDropDaemon
import FaxDropFaxImage
import FaxDropRenderClient
import FaxDropSystem
import Foundation
import Logging
import XCTest

/// `FAXDROP_COVER_LETTERHEAD`: an office's one-page PDF under the cover's fields, read back
/// as a reader would (the image on the line, OCR'd with Tesseract); a bad one is left out,
/// logged once, and never fails a fax.
final class LetterheadTests: XCTestCase {
    /// A letter-size PDF of `pages` pages, each with a letterhead in the top band.
    static func letterheadPDF(pages: Int) -> [UInt8] {
        var objects = ["<< /Type /Catalog /Pages 2 0 R >>", ""]
        var kids: [String] = []
        let stream =
            "BT /F1 24 Tf 60 712 Td (NORTHWIND CLINIC) Tj ET\nBT /F1 14 Tf 60 688 Td (42 Harbour Road Springfield) Tj ET\n"
            + "2 w 0 G 60 676 m 552 676 l S\n"
        objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>")  // 3
        objects.append("<< /Length \(stream.utf8.count) >>\nstream\n\(stream)endstream")  // 4
        for _ in 0..<pages {
            objects.append(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
            )
            kids.append("\(objects.count) 0 R")
        }
        objects[1] = "<< /Type /Pages /Kids [\(kids.joined(separator: " "))] /Count \(pages) >>"
        return PDFFile.assemble(objects)
    }

    private func start(
        _ spool: TestSpool, _ settings: [String: String], logger: Logger? = nil
    ) async throws -> ImageKeepingBackend {
        let backend = ImageKeepingBackend(folder: (spool.root as NSString).deletingLastPathComponent)
        try await startRenderingDaemon(spool, settings, backend: backend, logger: logger)
        return backend
    }

    func testLetterheadIsDrawnUnderTheCoverFields() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tesseract") else {
            throw XCTSkip("tesseract is missing (scripts/install-deps.sh installs tesseract-ocr)")
        }
        let spool = try TestSpool()
        let letterhead = (spool.root as NSString).deletingLastPathComponent + "/letterhead.pdf"
        try Data(Self.letterheadPDF(pages: 1)).write(to: URL(fileURLWithPath: letterhead))
        let backend = try await start(
            spool,
            [
                "FAX_HEADER": "Acme Medical Group", "FAXDROP_COVER": "on", "FAXDROP_COVER_LETTERHEAD": letterhead,
            ])
        try FileManager.default.createDirectory(
            atPath: spool.root + "/outgoing/+15557654321", withIntermediateDirectories: true)
        try Data("RESOLUTION=normal\n".utf8).write(
            to: URL(fileURLWithPath: spool.root + "/outgoing/+15557654321/.faxdrop"))
        try spool.copy(TestSpool.corpus + "/pdf/23-onepage-letter.pdf", to: "+15551234567 Smith Pharmacy/rx.pdf")
        try spool.copy(TestSpool.corpus + "/pdf/23-onepage-letter.pdf", to: "+15557654321/lab.pdf")
        let sidecars = try await spool.waitForSidecars(2, timeout: 90)
        for sidecar in sidecars {
            XCTAssertEqual(sidecar.status, .sent, sidecar.error?.message ?? "")
            XCTAssertEqual(sidecar.pages.total, 2)
        }
        let images = backend.kept.withLock { $0 }
        for (number, name) in [("+15551234567", "Smith Pharmacy"), ("+15557654321", "+15557654321")] {
            let image = try XCTUnwrap(images[number])
            XCTAssertEqual(try FaxImage.inspect(image).count, 2)
            let text = CoverPageTests.squash(try CoverPageTests.ocr(image, page: 0))
            for expected in [
                "NORTHWIND CLINIC", "42 Harbour Road", "Acme Medical Group", name, "2 including this cover page",
            ] {
                XCTAssertTrue(
                    text.contains(CoverPageTests.squash(expected)),
                    "'\(expected)' not read on \(number)'s cover:\n\(text)")
            }
            XCTAssertFalse(
                CoverPageTests.squash(try CoverPageTests.ocr(image, page: 1)).contains("NORTHWIND"),
                "only the cover has it")
        }
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.active), [])
    }

    /// A letterhead of two pages, and one that is no PDF: the covers are made without it,
    /// every fax is sent, and each problem is logged once, not once per fax.
    func testABadLetterheadIsLeftOutAndLoggedOnce() async throws {
        let spool = try TestSpool()
        let folder = (spool.root as NSString).deletingLastPathComponent
        let logPath = folder + "/daemon.log"
        let fd = try Syscall.open(logPath, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600)
        addTeardownBlock { Syscall.close(fd) }
        let handler = FaxDropLogHandler(label: "t", format: .text, level: .warning, secrets: [], sink: .init(fd: fd))
        var logger = Logger(label: "t") { _ in handler }
        logger.logLevel = .warning
        let letterhead = folder + "/two-pages.pdf"
        try Data(Self.letterheadPDF(pages: 2)).write(to: URL(fileURLWithPath: letterhead))
        let backend = try await start(
            spool, ["FAXDROP_COVER": "on", "FAXDROP_COVER_LETTERHEAD": letterhead, "FAX_HEADER": "Acme Medical Group"],
            logger: logger)
        for n in 1...3 {
            try spool.copy(TestSpool.corpus + "/pdf/23-onepage-letter.pdf", to: "+1555123456\(n)/\(n).pdf")
        }
        let sidecars = try await spool.waitForSidecars(3, timeout: 90)
        for sidecar in sidecars {
            XCTAssertEqual(sidecar.status, .sent, sidecar.error?.message ?? "")
            XCTAssertEqual(sidecar.pages.total, 2, "the cover, without the letterhead, and the page")
        }
        let image = try XCTUnwrap(backend.kept.withLock { $0["+15551234561"] })
        let bitmap = try FaxImage.readBitmap(image, page: 0)
        // Without a letterhead the fields start at the top margin: the band is not kept empty.
        let band = Int(196.0 * (15 + 30) / 25.4)
        XCTAssertGreaterThan(
            bitmap.blackCount(x: 0..<bitmap.width, y: 0..<band), 1000, "no band kept for a letterhead left out")
        XCTAssertFalse(try CoverPageTests.ocr(image, page: 0).contains("NORTHWIND"))
        let log = try String(contentsOfFile: logPath, encoding: .utf8)
        let lines = log.split(separator: "\n").filter { $0.contains("letterhead is left out") }
        XCTAssertEqual(lines.count, 1, log)
        XCTAssertTrue(lines.first?.contains("has more than one page") == true, log)
    }
}
