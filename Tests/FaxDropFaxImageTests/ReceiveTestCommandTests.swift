import FaxDropFaxImage
import FaxDropTestSupport
import Foundation
import XCTest

/// `faxdrop receive-test` (issue 10, step 4), the real binary: a corpus document, rendered by
/// the real renderer and received through the loopback path, arrives as a PDF that poppler
/// renders to the same pixels as the received TIFF (kept beside it for the comparison), with
/// a schema-valid sidecar; hostile `--from` text is sanitised; only the DID names a folder.
final class ReceiveTestCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try makeScratchDirectory("rxtest")
    }

    /// Runs the real `faxdrop` binary on the loopback line, `extra` over the test's environment.
    func faxdrop(_ arguments: [String], environment extra: [String: String]) throws -> (Int32, String, String) {
        var environment = ProcessInfo.processInfo.environment
        environment["FAX_BACKEND"] = "loopback"
        environment.merge(extra) { _, new in new }
        return try runProgram(PackagePaths.executable("faxdrop"), arguments, environment: environment)
    }

    func testADocumentReceivedThroughReceiveTestRendersToTheReceivedPixels() throws {
        let spool = directory.appendingPathComponent("spool").path
        let document = PackagePaths.root + "/../shared/corpus/pdf/23-onepage-letter.pdf"
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
            let validate = try runProgram(
                "/usr/bin/env", ["python3", PackagePaths.root + "/scripts/validate-sidecar.py", sidecarPath])
            XCTAssertEqual(validate.status, 0, "schema-valid sidecar: \(validate.output)\(validate.error)")
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
