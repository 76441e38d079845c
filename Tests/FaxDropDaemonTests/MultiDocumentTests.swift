import FaxDropCore
import FaxDropDaemon
import FaxDropFaxImage
import FaxDropRenderClient
import FaxDropSystem
import Foundation
import XCTest

/// Several documents in order as one fax, through the real `faxdrop submit` binary, the
/// daemon with the real renderer workers and the loopback line.
final class MultiDocumentTests: XCTestCase {
    private let onePage = TestSpool.corpus + "/pdf/23-onepage-letter.pdf"

    private func start(_ spool: TestSpool, _ settings: [String: String] = [:]) async throws -> ImageKeepingBackend {
        let backend = ImageKeepingBackend(folder: (spool.root as NSString).deletingLastPathComponent)
        try await startRenderingDaemon(spool, settings, backend: backend)
        return backend
    }

    /// `faxdrop submit` of `documents` in order, to `number`: returns the job id it prints.
    private func submit(
        _ documents: [String], to number: String, in spool: TestSpool, _ options: [String] = [],
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> String {
        let result = try SubmitOptionsCLITests.faxdrop(
            ["submit"] + documents + ["--spool", spool.root, "--to", number] + options)
        XCTAssertEqual(result.status, 0, result.error, file: file, line: line)
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func write(_ text: String, _ name: String, in spool: TestSpool) throws -> String {
        let path = (spool.root as NSString).deletingLastPathComponent + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Three documents and a cover: one job, one sidecar, one image whose pages are the
    /// cover, then the documents in the order given (read back by OCR); each document is
    /// kept as `<id>.<ext>`, `<id>-2.<ext>`, … with its own size and digest.
    func testThreeDocumentsAreOneFaxInOrder() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tesseract") else {
            throw XCTSkip("tesseract is missing (scripts/install-deps.sh installs tesseract-ocr)")
        }
        let spool = try TestSpool()
        let first = try write("ALPHA FIRST DOCUMENT\n", "alpha.txt", in: spool)
        let third = try write("BRAVO LAST DOCUMENT\n", "bravo.txt", in: spool)
        let id = try submit([first, onePage, third], to: "+15551234567", in: spool, ["--cover"])
        let backend = try await start(spool)
        let sidecars = try await spool.waitForSidecars(1, timeout: 90)
        XCTAssertEqual(sidecars.count, 1, "one job")
        let sidecar = try XCTUnwrap(sidecars.first)
        XCTAssertEqual(sidecar.status, .sent, sidecar.error?.message ?? "")
        XCTAssertEqual(sidecar.jobID.value, id)
        XCTAssertEqual(sidecar.pages, Sidecar.Pages(total: 4, sent: 4), "cover and three one-page documents")
        let documents = try XCTUnwrap(sidecar.documents)
        XCTAssertEqual(documents.map(\.originalName), ["alpha.txt", "23-onepage-letter.pdf", "bravo.txt"])
        XCTAssertEqual(documents.map(\.storedAs), ["\(id).txt", "\(id)-2.pdf", "\(id)-3.txt"])
        XCTAssertEqual(documents.map(\.format), [.text, .pdf, .text])
        XCTAssertEqual(documents.first, sidecar.document, "document stays the first document")
        for (document, source) in zip(documents, [first, onePage, third]) {
            let kept = try AtomicFile.read(spool.spool.done + "/" + (try XCTUnwrap(document.storedAs)))
            XCTAssertEqual(kept, try AtomicFile.read(source), "the kept file is the submitted one")
            XCTAssertEqual(document.sha256, SHA256.hex(kept))
            XCTAssertEqual(document.bytes, Int64(kept.count))
        }
        try TestSpool.assertValid(spool.sidecars().done)

        let image = try XCTUnwrap(backend.kept.withLock { $0["+15551234567"] })
        XCTAssertEqual(try FaxImage.inspect(image).count, 4)
        XCTAssertTrue(CoverPageTests.squash(try CoverPageTests.ocr(image, page: 0)).contains("4includingthiscoverpage"))
        XCTAssertTrue(try CoverPageTests.ocr(image, page: 1).contains("ALPHA FIRST DOCUMENT"))
        XCTAssertTrue(try CoverPageTests.ocr(image, page: 3).contains("BRAVO LAST DOCUMENT"))
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.active), [], "nothing left behind")
    }

    /// A bad second document fails the whole job with its own code, naming it, whether it
    /// is refused on inspection (no known format) or by its renderer (a damaged PDF); nothing
    /// is dialled and every file is kept. A hostile name is cleaned, and a `.json` name never
    /// becomes a stored name that looks like a sidecar.
    func testABadSecondDocumentFailsTheJobNamingIt() async throws {
        let spool = try TestSpool()
        let good = try write("A good first page\n", "good.txt", in: spool)
        let unknown = (spool.root as NSString).deletingLastPathComponent + "/bad\u{1B}[2J.json"
        try Data([0x00, 0xFF, 0xFE, 0x01, 0x7F]).write(to: URL(fileURLWithPath: unknown))
        let damaged = TestSpool.corpus + "/pdf/29-garbage-not-pdf.pdf"
        var ids: [String: String] = [:]
        for (number, second) in [("+15551234567", unknown), ("+15557654321", damaged)] {
            ids[number] = try submit([good, second], to: number, in: spool)
        }
        let backend = try await start(spool)
        let found = try await spool.waitForSidecars(2, timeout: 60)
        let byNumber = Dictionary(uniqueKeysWithValues: found.map { ($0.destination, $0) })
        let expected: [(String, ErrorCode, String, String)] = [
            ("+15551234567", .unsupportedFormat, "bin", "bad_[2J.json"),
            ("+15557654321", .corruptDocument, "pdf", "29-garbage-not-pdf.pdf"),
        ]
        for (number, code, ext, name) in expected {
            let sidecar = try XCTUnwrap(byNumber[number])
            let id = try XCTUnwrap(ids[number])
            XCTAssertEqual(sidecar.status, .failed)
            XCTAssertEqual(sidecar.error?.code, code)
            XCTAssertTrue(
                sidecar.error?.message.hasPrefix("document 2 (\(name.debugDescription))") == true,
                sidecar.error?.message ?? "")
            XCTAssertFalse(sidecar.error?.message.contains("\u{1B}") ?? true)
            XCTAssertEqual(sidecar.attempts.count, 0, "nothing was dialled")
            let documents = try XCTUnwrap(sidecar.documents)
            XCTAssertEqual(documents.map(\.storedAs), ["\(id).txt", "\(id)-2.\(ext)"])
            XCTAssertEqual(documents[1].originalName, name)
            for document in documents {
                XCTAssertNotNil(
                    try Syscall.lstatIfExists(spool.spool.failed + "/" + (try XCTUnwrap(document.storedAs))))
            }
        }
        XCTAssertTrue(backend.kept.withLock { $0.isEmpty })
        try TestSpool.assertValid(spool.sidecars().failed)
    }

    /// `faxdrop retry` of a failed job of several documents queues them all, in order:
    /// the new job's sidecar lists both, with the same digests, and names the old job.
    func testRetryCarriesEveryDocument() async throws {
        let spool = try TestSpool()
        let first = try write("First of two.\n", "one.txt", in: spool)
        let second = try write("Second of two.\n", "two.txt", in: spool)
        let old = try submit([first, second], to: "+15550000480", in: spool)
        _ = try await start(spool, ["FAXDROP_MAX_ATTEMPTS": "1"])
        let failed = try await spool.waitForSidecars(1, timeout: 60)
        XCTAssertEqual(failed.first?.error?.code, .noAnswer)
        let retried = try SubmitOptionsCLITests.faxdrop(["retry", old, "--spool", spool.root])
        XCTAssertEqual(retried.status, 0, retried.error)
        let both = try await spool.waitForSidecars(2, timeout: 60)
        let retry = try XCTUnwrap(both.first { $0.retryOf?.value == old })
        XCTAssertEqual(retry.documents?.map(\.originalName), ["one.txt", "two.txt"])
        XCTAssertEqual(retry.documents?.map(\.sha256), failed.first?.documents?.map(\.sha256))
        XCTAssertEqual(retry.pages.total, 2)
        try TestSpool.assertValid(spool.sidecars().failed)
    }

    /// The document-change check covers every document: a write to the second one while
    /// the call is on the line ends the job `document_changed`, naming document 2.
    func testAWriteToTheSecondDocumentEndsDocumentChanged() async throws {
        let spool = try TestSpool()
        let first = try write("First document.\n", "one.txt", in: spool)
        let second = try write("Second document.\n", "two.txt", in: spool)
        let id = try XCTUnwrap(JobID(try submit([first, second], to: "+15551234567", in: spool)))
        let backend = LoopbackBackend(pageSeconds: 1.5, noAnswerSeconds: 0.3, logger: testLogger())
        try await startRenderingDaemon(spool, workers: 1, backend: backend)
        let journals = JournalStore(spool: spool.spool)
        let deadline = Date().addingTimeInterval(30)
        var calling = false
        while !calling && Date() < deadline {
            let state = (try? journals.read(id))?.state
            calling = state == .sending || state == .dialing
            if !calling { try await Task.sleep(for: .milliseconds(20)) }
        }
        XCTAssertTrue(calling, "the call never started")
        let fd = try Syscall.open(spool.spool.jobFolder(id) + "/document-2", O_WRONLY | O_APPEND)
        try Array("added later\n".utf8).withUnsafeBytes { try Syscall.writeAll(fd, $0) }
        Syscall.close(fd)
        let found = try await spool.waitForSidecars(1, timeout: 30)
        let sidecar = try XCTUnwrap(found.first)
        XCTAssertEqual(sidecar.status, .failed)
        XCTAssertEqual(sidecar.error?.code, .documentChanged)
        XCTAssertTrue(
            sidecar.error?.message.hasPrefix("document 2 (\"two.txt\")") == true, sidecar.error?.message ?? "")
        XCTAssertEqual(
            sidecar.documents?[1].sha256, SHA256.hex(Array("Second document.\n".utf8)),
            "the digest of what was rendered")
        try TestSpool.assertValid(spool.sidecars().failed)
    }
}
