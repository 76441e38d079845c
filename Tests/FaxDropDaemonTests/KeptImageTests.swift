import FaxDropCore
import FaxDropFaxImage
import FaxDropRenderClient
import FaxDropSystem
import Foundation
import Logging
import XCTest

@testable import FaxDropDaemon

/// The fax as it was sent is kept (issue 11): at completion the job's fax TIFF is moved to
/// `images/<job-id>.tif` for sent and failed jobs that had pages, and swept after
/// `FAXDROP_KEEP_IMAGES_DAYS`.
final class KeptImageTests: XCTestCase {
    func testSentAndFailedJobsKeepTheirFaxImage() async throws {
        let spool = try TestSpool()
        try await startLoopbackDaemon(spool, ["FAXDROP_MAX_ATTEMPTS": "1"], noAnswerSeconds: 0.1)
        try spool.copy(TestSpool.corpus + "/pdf/27-scan-ccitt-forms-only.pdf", to: "+15551234567/forms.pdf")
        try spool.copy(TestSpool.corpus + "/pdf/23-onepage-letter.pdf", to: "+15550000486/busy.pdf")
        try spool.copy(TestSpool.corpus + "/pdf/29-garbage-not-pdf.pdf", to: "+15551234567/garbage.pdf")
        let sidecars = try await spool.waitForSidecars(3, timeout: 60)
        try await spool.assertActiveEmpties()
        let byName = Dictionary(uniqueKeysWithValues: sidecars.map { ($0.document.originalName, $0) })

        let sent = try XCTUnwrap(byName["forms.pdf"])
        XCTAssertEqual(sent.status, .sent)
        XCTAssertEqual(sent.pages.total, 2)
        let sentImage = try XCTUnwrap(spool.spool.sentImage(for: sent.jobID), "the sent fax is kept")
        XCTAssertEqual(sentImage, spool.root + "/images/\(sent.jobID.value).tif")
        XCTAssertEqual(try FaxImage.inspect(sentImage).count, sent.pages.total)
        XCTAssertEqual(try FaxImage.inspect(sentImage).flatMap(FaxImage.classFProblems), [])
        XCTAssertNotNil(Syscall.lstatIfExistsOrNil(spool.root + "/done/\(sent.jobID.value).json"))
        XCTAssertNotNil(Syscall.lstatIfExistsOrNil(spool.root + "/done/" + (try XCTUnwrap(sent.document.storedAs))))

        let busy = try XCTUnwrap(byName["busy.pdf"])
        XCTAssertEqual(busy.status, .failed)
        XCTAssertEqual(busy.error?.code, .busy)
        let busyImage = try XCTUnwrap(spool.spool.sentImage(for: busy.jobID), "a failed job with pages keeps its fax")
        XCTAssertEqual(try FaxImage.inspect(busyImage).count, busy.pages.total)
        XCTAssertEqual(busy.pages.total, 1)

        let garbage = try XCTUnwrap(byName["garbage.pdf"])
        XCTAssertEqual(garbage.status, .failed)
        XCTAssertEqual(garbage.pages.total, 0)
        XCTAssertNil(spool.spool.sentImage(for: garbage.jobID), "no pages, no image")

        XCTAssertEqual(
            Set(try Syscall.listDirectory(spool.spool.images)),
            [
                "\(sent.jobID.value).tif", "\(busy.jobID.value).tif",
            ])
        // Private, like the rest of the spool.
        XCTAssertEqual(try Syscall.lstat(spool.spool.images).mode & 0o777, 0o700)
        try TestSpool.assertValid(spool.sidecars().done + spool.sidecars().failed)
    }

    func testKeepImagesDaysZeroKeepsNone() async throws {
        let spool = try TestSpool()
        try await startLoopbackDaemon(spool, ["FAXDROP_KEEP_IMAGES_DAYS": "0"], noAnswerSeconds: 0.1)
        try spool.copy(TestSpool.corpus + "/pdf/23-onepage-letter.pdf", to: "+15551234567/letter.pdf")
        let sidecars = try await spool.waitForSidecars(1, timeout: 60)
        let sidecar = try XCTUnwrap(sidecars.first)
        XCTAssertEqual(sidecar.status, .sent)
        try await spool.assertActiveEmpties()
        XCTAssertNil(spool.spool.sentImage(for: sidecar.jobID))
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.images), [])
    }

    /// A crash between the sidecar and the clearing of the job folder: the next start
    /// finishes the clearing and still keeps the fax image.
    func testRestartAfterTheSidecarKeepsTheImage() async throws {
        let spool = try TestSpool()
        let id = JobID(milliseconds: UInt64(Date().timeIntervalSince1970 * 1000), random: (1, 2))
        try Syscall.mkdir(spool.spool.jobFolder(id), mode: 0o750)
        var record = JobRecord(
            jobID: id, state: .done, destination: "+15551234567", originalName: "letter.pdf", documentFile: "document",
            bytes: 4, format: .pdf, fax: Sidecar.Fax(resolution: .fine, paper: .letter, header: "", localStationID: ""),
            queuedAt: Date())
        record.pagesTotal = 3
        record.pagesSent = 3
        // The finish moved the document beside the sidecar-to-be, wrote the sidecar, and stopped.
        try Data("%PDF".utf8).write(to: URL(fileURLWithPath: spool.spool.done + "/\(id.value).pdf"))
        try Data(try JSONEncoder.faxdrop().encode(record)).write(to: URL(fileURLWithPath: spool.spool.journal(id)))
        try Self.writeFax(pages: 3, to: spool.spool.faxImage(id))
        let writer = ResultWriter(spool: spool.spool)
        let sidecar = writer.makeSidecar(record, now: Date())
        try AtomicFile.write(
            try JSONEncoder.faxdrop().encode(sidecar), to: spool.spool.sidecar(id, status: .sent),
            stagingDirectory: spool.spool.tmp)

        _ = try await startDaemon(
            spool, renderer: NoRenderer(), backend: LoopbackBackend(pageSeconds: 0, logger: testLogger()))
        try await spool.assertActiveEmpties()
        let kept = try XCTUnwrap(spool.spool.sentImage(for: id))
        XCTAssertEqual(try FaxImage.inspect(kept).count, 3)
    }

    func testRetentionSweepsOnlyExpiredJobImages() async throws {
        let spool = try TestSpool()
        let now = Date()
        func id(daysAgo: Double, _ n: UInt64) -> JobID {
            JobID(milliseconds: UInt64((now.timeIntervalSince1970 - daysAgo * 86_400) * 1000), random: (0, n))
        }
        let old = id(daysAgo: 91, 1)
        let recent = id(daysAgo: 89, 2)
        let fresh = id(daysAgo: 0, 3)
        for job in [old, recent, fresh] { try Self.writeFax(pages: 1, to: spool.spool.keptImage(job)) }
        let stranger = spool.spool.images + "/notes.tif"
        try Data("not ours".utf8).write(to: URL(fileURLWithPath: stranger))

        XCTAssertTrue(ImageRetention.isExpired(old, days: 90, now: now))
        XCTAssertFalse(ImageRetention.isExpired(recent, days: 90, now: now))
        XCTAssertTrue(ImageRetention.isExpired(fresh, days: 0, now: now), "0 days keeps none")

        // The daemon sweeps when it starts.
        _ = try await startDaemon(
            spool, renderer: NoRenderer(), backend: LoopbackBackend(pageSeconds: 0, logger: testLogger()))
        let deadline = Date().addingTimeInterval(10)
        while spool.spool.sentImage(for: old) != nil, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        XCTAssertNil(spool.spool.sentImage(for: old), "91 days old: swept")
        XCTAssertNotNil(spool.spool.sentImage(for: recent))
        XCTAssertNotNil(spool.spool.sentImage(for: fresh))
        XCTAssertNotNil(Syscall.lstatIfExistsOrNil(stranger), "a file that is no job's image is left alone")

        let none = ImageRetention(spool: spool.spool, days: 0, logger: testLogger())
        XCTAssertEqual(none.sweep(), 2)
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.images), ["notes.tif"])
    }

    func testJobIDTimeIsTheTimeItWasMadeWith() {
        let id = JobID(milliseconds: 1_764_000_000_123, random: (7, 9))
        XCTAssertEqual(id.createdAt.timeIntervalSince1970, 1_764_000_000.123, accuracy: 0.0005)
    }

    /// A Class F file of `pages` blank pages with one black line each.
    static func writeFax(pages: Int, to path: String) throws {
        let writer = try FaxImageWriter(path: path)
        let bytesPerRow = 1728 / 8
        let height = 200
        var rows = [UInt8](repeating: 0, count: bytesPerRow * height)
        for x in 0..<bytesPerRow { rows[100 * bytesPerRow + x] = 0xFF }
        for page in 0..<pages {
            try rows.withUnsafeBytes {
                try writer.appendPage(
                    rows: $0, bytesPerRow: bytesPerRow, width: 1728, height: height, resolution: .fine,
                    pageNumber: page, pageCount: pages)
            }
        }
        writer.close()
    }
}

/// A renderer for tests that never render.
struct NoRenderer: DocumentRenderer {
    func render(_ request: RenderRequest, logger: Logger) async -> RenderReply {
        RenderReply(
            id: request.id, format: nil, pages: 0, pageBytes: [], seconds: 0,
            error: .init(code: .internalError, message: "no renderer"))
    }
}

extension Syscall {
    static func lstatIfExistsOrNil(_ path: String) -> FileStatus? { (try? lstatIfExists(path)) ?? nil }
}
