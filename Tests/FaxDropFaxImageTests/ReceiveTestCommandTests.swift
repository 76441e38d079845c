import FaxDropFaxImage
import Foundation
import XCTest

/// `faxdrop receive-test` (issue 10, step 4), the real binary: a corpus document, rendered by
/// the real renderer and received through the loopback path, arrives as a PDF that poppler
/// renders to the same pixels as the received TIFF (kept beside it for the comparison), with
/// a schema-valid sidecar; hostile `--from` text is sanitised; only the DID names a folder.
final class ReceiveTestCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("rxtest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    func faxdrop(_ arguments: [String], environment extra: [String: String]) throws -> (Int32, String, String) {
        let process = Process()
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("faxdrop")
        process.executableURL =
            FileManager.default.isExecutableFile(atPath: binary.path)
            ? binary : URL(fileURLWithPath: Self.packageRoot + "/.build/debug/faxdrop")
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["FAX_BACKEND"] = "loopback"
        environment.merge(extra) { _, new in new }
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, stdout, stderr)
    }

    func testADocumentReceivedThroughReceiveTestRendersToTheReceivedPixels() throws {
        let spool = directory.appendingPathComponent("spool").path
        let document = Self.packageRoot + "/../shared/corpus/pdf/23-onepage-letter.pdf"
        for resolution in ["fine", "normal"] {
            let (status, stdout, stderr) = try faxdrop(
                [
                    "receive-test", "--spool", spool, document, "--did", "+15551002", "--from",
                    "+1555\r\n0100 \u{1B}[2J", "--resolution", resolution,
                ], environment: ["FAXDROP_INCOMING_KEEP_TIFF": "true"])
            XCTAssertEqual(status, 0, stderr)
            let sidecarPath = stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertTrue(sidecarPath.hasPrefix(spool + "/incoming/+15551002/"), sidecarPath)
            let sidecar =
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: sidecarPath)))
                as! [String: Any]
            XCTAssertEqual(sidecar["status"] as? String, "received")
            XCTAssertEqual(sidecar["caller"] as? String, "+15550100 [2J", "control characters dropped")
            let folder = (sidecarPath as NSString).deletingLastPathComponent
            let id = sidecar["id"] as! String
            let tiff = folder + "/" + id + ".tif"
            let pdf = folder + "/" + id + ".pdf"
            let pages = try FaxImage.inspect(tiff)
            XCTAssertEqual(pages.map(\.compression), Array(repeating: 3, count: pages.count), "G3 as spandsp writes")
            XCTAssertEqual(pages.map(\.fillOrder), Array(repeating: 2, count: pages.count))
            XCTAssertEqual(Int(pages[0].verticalDPI.rounded()), resolution == "fine" ? 196 : 98)
            XCTAssertEqual((sidecar["pages"] as? [String: Int])?["received"], pages.count)
            try PDFPixels.assertSame(tiff: tiff, pdf: pdf, pageCount: pages.count, in: directory)
            let validate = Process()
            validate.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            validate.arguments = ["python3", Self.packageRoot + "/scripts/validate-sidecar.py", sidecarPath]
            try validate.run()
            validate.waitUntilExit()
            XCTAssertEqual(validate.terminationStatus, 0, "schema-valid sidecar")
            for path in [pdf, tiff, sidecarPath] {
                let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber)
                    .intValue
                XCTAssertEqual(mode & 0o007, 0, "\(path) is not for others")
            }
        }
        // faxdrop status covers incoming faxes.
        let (statusCode, statusJSON, _) = try faxdrop(["status", "--spool", spool, "--json"], environment: [:])
        XCTAssertEqual(statusCode, 0)
        let report = try JSONSerialization.jsonObject(with: Data(statusJSON.utf8)) as? [String: Any]
        let incoming = report?["incoming"] as? [String: Any]
        XCTAssertEqual((incoming?["by_status"] as? [String: Int])?["received"], 2, statusJSON)
        XCTAssertEqual((incoming?["recent"] as? [[String: Any]])?.count, 2)

        let (status, _, stderr) = try faxdrop(
            ["receive-test", "--spool", spool, document, "--did", "../etc", "--from", "1"], environment: [:])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(stderr.contains("--did"), stderr)
    }
}
