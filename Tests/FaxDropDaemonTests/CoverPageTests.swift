import FaxDropCore
import FaxDropDaemon
import FaxDropFaxImage
import FaxDropRenderClient
import Foundation
import Logging
import Synchronization
import XCTest

/// The loopback line, keeping a copy of each fax image exactly as it was handed to the line.
final class ImageKeepingBackend: FaxBackend, Sendable {
    let name = "loopback"
    let inner: LoopbackBackend
    let folder: String
    let kept = Mutex<[String: String]>([:])  // destination -> copy of the image sent

    init(folder: String) {
        self.inner = LoopbackBackend(pageSeconds: 0, noAnswerSeconds: 0.1, logger: testLogger())
        self.folder = folder
    }

    func send(_ call: CallRequest) async -> CallResult {
        let copy = folder + "/\(call.destination.value)-\(call.jobID.value).tif"
        try? FileManager.default.copyItem(atPath: call.tiffPath, toPath: copy)
        kept.withLock { $0[call.destination.value] = copy }
        return await inner.send(call)
    }

    func reconcile(_ call: CallRequest, startedAt: Date) async -> CallResult? { nil }
}

/// The cover page, checked as a reader would: the fax image that goes on the line is
/// read back, resampled to square pixels and OCR'd with Tesseract.
final class CoverPageTests: XCTestCase {
    private let onePage = TestSpool.corpus + "/pdf/23-onepage-letter.pdf"

    private func start(_ spool: TestSpool, _ settings: [String: String]) async throws -> ImageKeepingBackend {
        let backend = ImageKeepingBackend(folder: (spool.root as NSString).deletingLastPathComponent)
        try await startRenderingDaemon(spool, settings, backend: backend)
        return backend
    }

    func testCoverPageReadsBackAtBothResolutions() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tesseract") else {
            throw XCTSkip("tesseract is missing (scripts/install-deps.sh installs tesseract-ocr)")
        }
        let spool = try TestSpool()
        let backend = try await start(
            spool,
            [
                "FAX_HEADER": "Acme Medical Group", "FAX_LOCAL_STATION_ID": "+15550009999",
                "FAXDROP_COVER_SENDER": "Dana Whitfield",
            ])
        let fine = spool.root + "/outgoing/+15551234567 Smith Pharmacy"
        let normal = spool.root + "/outgoing/+15557654321 Dr. O'Brien (Clinic) \\ North"
        let long = spool.root + "/outgoing/+15553334444 " + String(repeating: "W", count: 80)
        for folder in [fine, normal, long] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        try Data("COVER=on\nCOVER_SUBJECT=Prescription refill\nCOVER_NOTE=Please call us back today.\n".utf8)
            .write(to: URL(fileURLWithPath: fine + "/.faxdrop"))
        try Data(
            #"""
            COVER=on
            RESOLUTION=normal
            COVER_SUBJECT=Lab results ) show (owned) %%EOF
            COVER_NOTE=Second page follows. >> endobj stream \) Tj
            """#.utf8
        ).write(to: URL(fileURLWithPath: normal + "/.faxdrop"))
        let words = String(repeating: "Wide words wrapped within the margins. ", count: 20)
        try Data(
            ("COVER=on\nCOVER_SUBJECT=" + String(repeating: "M", count: 120) + "\n"
                + String(repeating: "COVER_NOTE=\(words)\n", count: 2)).utf8
        ).write(to: URL(fileURLWithPath: long + "/.faxdrop"))
        try spool.copy(onePage, to: "+15553334444 " + String(repeating: "W", count: 80) + "/long.pdf")
        try spool.copy(onePage, to: "+15551234567 Smith Pharmacy/rx.pdf")
        try spool.copy(onePage, to: "+15557654321 Dr. O'Brien (Clinic) \\ North/lab.pdf")
        let sidecars = try await spool.waitForSidecars(3, timeout: 60)
        for sidecar in sidecars {
            XCTAssertEqual(sidecar.status, .sent, "\(sidecar.error?.message ?? "")")
            XCTAssertEqual(sidecar.pages, Sidecar.Pages(total: 2, sent: 2))
            XCTAssertEqual(sidecar.options?.cover, true)
        }
        try TestSpool.assertValid(spool.sidecars().done)

        let images = backend.kept.withLock { $0 }
        let fineImage = try XCTUnwrap(images["+15551234567"])
        let normalImage = try XCTUnwrap(images["+15557654321"])
        XCTAssertEqual(try FaxImage.inspect(fineImage).map { Int($0.verticalDPI.rounded()) }, [196, 196])
        XCTAssertEqual(try FaxImage.inspect(normalImage).map { Int($0.verticalDPI.rounded()) }, [98, 98])

        let fineText = try Self.ocr(fineImage, page: 0)
        for expected in [
            "Smith Pharmacy", "Acme Medical Group", "Dana Whitfield", "2 including this cover page",
            "Prescription refill", "Please call us back today", "CONFIDENTIAL", "+15551234567",
        ] {
            XCTAssertTrue(
                Self.squash(fineText).contains(Self.squash(expected)), "'\(expected)' not read in:\n\(fineText)")
        }
        let normalText = try Self.ocr(normalImage, page: 0)
        for expected in [
            "O'Brien (Clinic)", "Acme Medical Group", "2 including this cover page",
            "Lab results ) show (owned) %%EOF", "Second page follows",
        ] {
            XCTAssertTrue(
                Self.squash(normalText).contains(Self.squash(expected)), "'\(expected)' not read in:\n\(normalText)")
        }
        // Nothing within 5 mm of an edge, however long the text.
        for image in [fineImage, normalImage, try XCTUnwrap(images["+15553334444"])] {
            let info = try FaxImage.inspect(image)[0]
            let bitmap = try FaxImage.readBitmap(image, page: 0)
            let side = Int(204 * 5 / 25.4)
            let edge = Int(info.verticalDPI * 5 / 25.4)
            XCTAssertGreaterThan(bitmap.blackCount(x: 0..<bitmap.width, y: 0..<bitmap.height), 10_000)
            XCTAssertEqual(bitmap.blackCount(x: 0..<side, y: 0..<bitmap.height), 0, image)
            XCTAssertEqual(bitmap.blackCount(x: (bitmap.width - side)..<bitmap.width, y: 0..<bitmap.height), 0, image)
            XCTAssertEqual(bitmap.blackCount(x: 0..<bitmap.width, y: 0..<edge), 0, image)
            XCTAssertEqual(bitmap.blackCount(x: 0..<bitmap.width, y: (bitmap.height - edge)..<bitmap.height), 0, image)
        }
        // Page 2 is the document, not a second cover.
        XCTAssertFalse(try Self.ocr(fineImage, page: 1).contains("including this cover"))
    }

    /// Compares text as OCR gives it: letters and digits and a few marks, spacing ignored.
    static func squash(_ text: String) -> String {
        String(
            text.unicodeScalars.filter {
                CharacterSet.alphanumerics.contains($0) || "()+%')".unicodeScalars.contains($0)
            }
            .map(Character.init))
    }

    /// One page of a fax image, resampled to square pixels (204 dpi both ways), OCR'd.
    static func ocr(_ image: String, page: Int) throws -> String {
        let info = try FaxImage.inspect(image)[page]
        let bitmap = try FaxImage.readBitmap(image, page: page)
        let scale = 204 / info.verticalDPI
        let height = Int((Double(bitmap.height) * scale).rounded())
        var pbm = Array("P4\n\(bitmap.width) \(height)\n".utf8)
        for y in 0..<height {
            let source = min(bitmap.height - 1, Int(Double(y) / scale))
            pbm += bitmap.bits[(source * bitmap.bytesPerRow)..<((source + 1) * bitmap.bytesPerRow)]
        }
        let path = image + "-page\(page).pbm"
        try Data(pbm).write(to: URL(fileURLWithPath: path))
        if let sample = ProcessInfo.processInfo.environment["FAXDROP_COVER_SAMPLE"], page == 0, info.verticalDPI < 150 {
            try? FileManager.default.removeItem(atPath: sample)
            try FileManager.default.copyItem(atPath: path, toPath: sample)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tesseract")
        process.arguments = [path, "stdout", "-l", "eng", "--dpi", "204"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        return text
    }
}
