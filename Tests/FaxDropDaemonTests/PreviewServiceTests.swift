import FaxDropCore
import FaxDropDaemon
import FaxDropRenderClient
import FaxDropSystem
import Foundation
import Logging
import Synchronization
import XCTest

/// The console's preview (issue 11): real corpus documents through the real renderer
/// workers and the job's own render steps, pages read back as PNG, and sending through
/// `Submitter` to a loopback daemon.
final class PreviewServiceTests: XCTestCase {
    private let threePages = TestSpool.corpus + "/pdf/12-octave-refcard-legal.pdf"
    private let onePage = TestSpool.corpus + "/pdf/23-onepage-letter.pdf"
    private let twoPages = TestSpool.corpus + "/pdf/27-scan-ccitt-forms-only.pdf"

    final class TestClock: Sendable {
        let now = Mutex(Date())
        func advance(_ seconds: TimeInterval) { now.withLock { $0 += seconds } }
    }

    private func makeService(
        _ spool: TestSpool, _ settings: [String: String] = [:], clock: TestClock = TestClock()
    ) throws -> PreviewService {
        let pool = RenderPool(
            executable: RenderPool.defaultExecutable(), workers: 2, timeout: .seconds(60), logger: testLogger())
        addTeardownBlock { await pool.shutdown() }
        let folder = (spool.root as NSString).deletingLastPathComponent
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        return PreviewService(
            spool: spool.spool, settings: Engine.Settings(try spool.configuration(settings)),
            renderer: LoopbackEndToEndTests.PoolRenderer(pool: pool), logger: testLogger(),
            clock: { clock.now.withLock { $0 } })
    }

    /// Width and height from a PNG's IHDR chunk.
    private func pngSize(_ png: [UInt8]) throws -> (width: Int, height: Int) {
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertEqual(String(decoding: png[12..<16], as: UTF8.self), "IHDR")
        func int(_ at: Int) -> Int { png[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (int(16), int(20))
    }

    private func previewFolders(_ spool: TestSpool) -> [String] {
        ((try? Syscall.listDirectory(spool.spool.tmp)) ?? []).filter { $0.hasPrefix("preview-") }
    }

    func testPreviewOfACorpusPDFHasItsPagesAsPNG() async throws {
        let spool = try TestSpool()
        let service = try makeService(spool)
        let before = try Data(contentsOf: URL(fileURLWithPath: threePages))
        let preview = try await service.create(documents: [("refcard.pdf", threePages)], options: JobOptions())
        XCTAssertEqual(preview.pageCount, 3)
        XCTAssertEqual(preview.documentNames, ["refcard.pdf"])
        XCTAssertTrue(PreviewService.isValidToken(preview.token))
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: threePages)), before, "the source is copied, not moved")
        XCTAssertEqual(previewFolders(spool), ["preview-" + preview.token])
        XCTAssertEqual(try Syscall.lstat(spool.spool.tmp + "/preview-" + preview.token).mode & 0o777, 0o700)

        for page in 0..<3 {
            let full = try pngSize(try await service.page(token: preview.token, page: page, thumbnail: false))
            XCTAssertEqual(full.width, 1728)
            XCTAssertEqual(full.height, Paper.letter.heightPixels(.fine))
            let thumbnail = try pngSize(try await service.page(token: preview.token, page: page, thumbnail: true))
            XCTAssertEqual(thumbnail.width, PreviewService.thumbnailWidth)
        }
        do {
            _ = try await service.page(token: preview.token, page: 3, thumbnail: false)
            XCTFail("there is no fourth page")
        } catch let error as PreviewError {
            XCTAssertEqual(error.code, "page_not_found")
        }

        await service.discard(token: preview.token)
        XCTAssertEqual(previewFolders(spool), [])
    }

    /// Several documents and a cover page: the preview has the pages the job will have,
    /// at the resolution the options ask for.
    func testPreviewHasTheJobsCoverAndDocuments() async throws {
        let spool = try TestSpool()
        let service = try makeService(spool, ["FAX_HEADER": "Acme Medical Group"])
        let number = try XCTUnwrap(E164Number("+15551234567"))
        let preview = try await service.create(
            documents: [("letter.pdf", onePage), ("forms.pdf", twoPages)],
            options: JobOptions(cover: true, subject: "Refill", resolution: .normal), destination: number,
            recipientName: "Smith Pharmacy")
        XCTAssertEqual(preview.pageCount, 1 + 1 + 2, "cover, letter, two forms")
        XCTAssertEqual(preview.documentNames, ["letter.pdf", "forms.pdf"])
        let full = try pngSize(try await service.page(token: preview.token, page: 0, thumbnail: false))
        XCTAssertEqual(
            full.height, Paper.letter.heightPixels(.normal) * 2, "normal resolution shown with square pixels")
    }

    func testSubmittedPreviewIsSentByTheLoopbackDaemon() async throws {
        let spool = try TestSpool()
        let pool = RenderPool(
            executable: RenderPool.defaultExecutable(), workers: 2, timeout: .seconds(60), logger: testLogger())
        addTeardownBlock { await pool.shutdown() }
        let daemon = try await startDaemon(
            spool, renderer: LoopbackEndToEndTests.PoolRenderer(pool: pool),
            backend: LoopbackBackend(pageSeconds: 0, logger: testLogger()))
        // The console's service: the daemon's own spool, settings and renderer pool.
        let service = daemon.makePreviewService(logger: testLogger())
        let staged = spool.spool.tmp + "/upload-1"
        try Data(contentsOf: URL(fileURLWithPath: twoPages)).write(to: URL(fileURLWithPath: staged))
        let preview = try await service.create(documents: [("forms.pdf", staged)], options: JobOptions())
        XCTAssertNil(try Syscall.lstatIfExists(staged), "a staged upload in tmp/ is moved in, not copied")
        XCTAssertEqual(preview.pageCount, 2)

        let id = try await service.submit(
            token: preview.token, destination: try XCTUnwrap(E164Number("+15551234567")), options: JobOptions())
        XCTAssertEqual(previewFolders(spool), [], "the preview is consumed")
        let sidecars = try await spool.waitForSidecars(1, timeout: 60)
        let sidecar = try XCTUnwrap(sidecars.first)
        XCTAssertEqual(sidecar.jobID, id)
        XCTAssertEqual(sidecar.status, .sent)
        XCTAssertEqual(sidecar.document.originalName, "forms.pdf")
        XCTAssertEqual(sidecar.pages, Sidecar.Pages(total: preview.pageCount, sent: preview.pageCount))
        XCTAssertEqual(
            try Data(
                contentsOf: URL(fileURLWithPath: spool.spool.done + "/" + (try XCTUnwrap(sidecar.document.storedAs)))),
            try Data(contentsOf: URL(fileURLWithPath: twoPages)))
        try TestSpool.assertValid(spool.sidecars().done)

        for attempt in ["page", "submit"] {
            do {
                if attempt == "page" {
                    _ = try await service.page(token: preview.token, page: 0, thumbnail: true)
                } else {
                    _ = try await service.submit(
                        token: preview.token, destination: try XCTUnwrap(E164Number("+15551234567")),
                        options: JobOptions())
                }
                XCTFail("\(attempt): a sent preview is gone")
            } catch let error as PreviewError {
                XCTAssertEqual(error.code, "preview_not_found", attempt)
                XCTAssertTrue(error.isNotFound)
            }
        }
    }

    func testBadDocumentsGiveStableCodesAndLeaveNothing() async throws {
        let spool = try TestSpool()
        let service = try makeService(spool)
        let scratch = (spool.root as NSString).deletingLastPathComponent
        let empty = scratch + "/empty.pdf"
        let binary = scratch + "/program.pdf"
        try Data().write(to: URL(fileURLWithPath: empty))
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) }).write(to: URL(fileURLWithPath: binary))
        let cases: [(String, String, ErrorCode)] = [
            ("garbage", TestSpool.corpus + "/pdf/29-garbage-not-pdf.pdf", .corruptDocument),
            ("encrypted", TestSpool.corpus + "/pdf/25-enc-userpw.pdf", .encryptedDocument),
            ("empty", empty, .emptyFile),
            ("binary", binary, .unsupportedFormat),
        ]
        for (label, path, code) in cases {
            do {
                _ = try await service.create(documents: [(label + ".pdf", path)], options: JobOptions())
                XCTFail("\(label) was previewed")
            } catch let error as PreviewError {
                XCTAssertEqual(error.errorCode, code, "\(label): \(error)")
                XCTAssertFalse(error.isNotFound)
            }
        }
        // A bad second document is named.
        do {
            _ = try await service.create(
                documents: [
                    ("letter.pdf", onePage), ("garbage.pdf", TestSpool.corpus + "/pdf/29-garbage-not-pdf.pdf"),
                ],
                options: JobOptions())
            XCTFail("garbage was previewed")
        } catch let error as PreviewError {
            XCTAssertEqual(error.errorCode, .corruptDocument)
            XCTAssertTrue(error.message.hasPrefix("document 2 (\"garbage.pdf\")"), error.message)
        }
        // Options that could forge a line on the cover page are refused before any rendering.
        do {
            _ = try await service.create(
                documents: [("letter.pdf", onePage)],
                options: JobOptions(cover: true, subject: "Refill\nFrom: the bank"))
            XCTFail("a subject with a line break was taken")
        } catch let error as PreviewError {
            XCTAssertEqual(error.errorCode, .invalidOptions)
        }
        XCTAssertEqual(previewFolders(spool), [], "failed previews leave no folder")
    }

    func testStalePreviewsAreSwept() async throws {
        let spool = try TestSpool()
        let clock = TestClock()
        let service = try makeService(spool, clock: clock)
        let kept = try await service.create(documents: [("letter.pdf", onePage)], options: JobOptions())
        // One a previous daemon left behind, and a folder that is no preview's.
        let leftover = spool.spool.tmp + "/preview-" + String(repeating: "ab", count: 16)
        try Syscall.mkdir(leftover, mode: 0o700)
        try Data("x".utf8).write(to: URL(fileURLWithPath: leftover + "/document"))
        let other = spool.spool.tmp + "/preview-not-a-token"
        try Syscall.mkdir(other, mode: 0o700)

        let swept = await service.sweepStale()
        XCTAssertEqual(swept, 0, "nothing is an hour old yet")
        clock.advance(PreviewService.staleAfter + 60)
        let sweptLater = await service.sweepStale()
        XCTAssertEqual(sweptLater, 2)
        XCTAssertEqual(previewFolders(spool), ["preview-not-a-token"])
        do {
            _ = try await service.page(token: kept.token, page: 0, thumbnail: true)
            XCTFail("a swept preview is gone")
        } catch let error as PreviewError {
            XCTAssertEqual(error.code, PreviewError.notFoundCode)
        }
    }

    func testTokensAreRandomAndCannotLeaveTmp() async throws {
        let spool = try TestSpool()
        let service = try makeService(spool)
        let a = try await service.create(documents: [("letter.pdf", onePage)], options: JobOptions())
        let b = try await service.create(documents: [("letter.pdf", onePage)], options: JobOptions())
        XCTAssertNotEqual(a.token, b.token)
        XCTAssertEqual(a.token.count, 32)

        // A fax image elsewhere in the spool that a path in a token could reach.
        try KeptImageTests.writeFax(pages: 1, to: spool.spool.images + "/fax.tif")
        try FileManager.default.createDirectory(
            atPath: spool.spool.outgoing + "/+15551234567", withIntermediateDirectories: true)
        let hostile = [
            "../images", "../../spool/images", a.token + "/../" + b.token, "/" + a.token, a.token.uppercased(),
            String(a.token.dropLast()), a.token + "0", "", "..", "%2e%2e", "g" + a.token.dropFirst(),  // not hex
        ]
        for token in hostile {
            XCTAssertFalse(PreviewService.isValidToken(token), token)
            do {
                _ = try await service.page(token: token, page: 0, thumbnail: false)
                XCTFail("\(token) was served")
            } catch let error as PreviewError {
                XCTAssertEqual(error.code, PreviewError.notFoundCode, token)
            }
            await service.discard(token: token)
        }
        await service.discard(token: "../outgoing/+15551234567")
        XCTAssertNotNil(try Syscall.lstatIfExists(spool.spool.outgoing + "/+15551234567"))
        XCTAssertNotNil(try Syscall.lstatIfExists(spool.spool.images + "/fax.tif"))
        XCTAssertEqual(Set(previewFolders(spool)), ["preview-" + a.token, "preview-" + b.token])
    }
}
