import FaxDropCore
import FaxDropFaxImage
import FaxDropRenderClient
import Foundation
import Logging
import XCTest

/// Shared helpers: the corpus, a scratch folder, a pool on the real `faxdrop-render`.
enum RenderTestSupport {
    /// `../shared/corpus` relative to the package root (CI keeps `shared/` beside the clone).
    static let corpus: String = {
        let file = URL(fileURLWithPath: #filePath)
        let root = file.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.deletingLastPathComponent().appendingPathComponent("shared/corpus").path
    }()

    static func corpusFile(_ relative: String) -> String { "\(corpus)/\(relative)" }

    /// The worker built by `swift build` beside the test bundle.
    static let executable = RenderPool.defaultExecutable()

    static let logger: Logger = {
        var logger = Logger(label: "faxdrop.render-tests")
        logger.logLevel = ProcessInfo.processInfo.environment["FAXDROP_TEST_LOG"] == nil ? .critical : .debug
        return logger
    }()

    static func makePool(workers: Int = 2, timeout: Duration = .seconds(60)) -> RenderPool {
        RenderPool(executable: executable, workers: workers, timeout: timeout, logger: logger)
    }

    /// A fresh scratch folder, removed when the test ends.
    static func scratch(_ test: XCTestCase) throws -> String {
        let path = NSTemporaryDirectory() + "faxdrop-render-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    static func checkExecutable() throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw XCTSkip("\(executable) is missing: run `swift build` first")
        }
    }

    /// A PDF file made of `objects` (object 1 the catalog), with a correct xref table.
    static func pdf(objects: [String]) -> Data {
        Data(PDFFile.assemble(objects))
    }
}

/// Asserts that `path` is a TIFF Class F file with `pages` pages of the right geometry and tags.
func assertClassF(
    _ path: String, pages: Int, resolution: Resolution = .fine, paper: Paper = .letter, trimmed: Bool = false,
    file: StaticString = #filePath, line: UInt = #line
) throws {
    let infos = try FaxImage.inspect(path)
    XCTAssertEqual(infos.count, pages, "page count of \(path)", file: file, line: line)
    for (index, page) in infos.enumerated() {
        XCTAssertEqual(FaxImage.classFProblems(page), [], "page \(index + 1)", file: file, line: line)
        XCTAssertEqual(page.width, faxPageWidthPixels, file: file, line: line)
        if trimmed {
            XCTAssertLessThanOrEqual(page.height, paper.heightPixels(resolution), file: file, line: line)
        } else {
            XCTAssertEqual(
                page.height, paper.heightPixels(resolution), "page \(index + 1) length", file: file, line: line)
        }
        XCTAssertEqual(page.xResolution, 204, file: file, line: line)
        XCTAssertEqual(page.yResolution, Double(resolution.verticalDPI), file: file, line: line)
        XCTAssertEqual(page.resolutionUnit, 2, "resolution unit inch", file: file, line: line)
        XCTAssertEqual(page.compression, 4, "CCITT G4", file: file, line: line)
        XCTAssertEqual(page.photometric, 0, "min-is-white", file: file, line: line)
        XCTAssertEqual(page.fillOrder, 2, "fill order LSB-to-MSB (Class F)", file: file, line: line)
        XCTAssertEqual(page.bitsPerSample, 1, file: file, line: line)
        XCTAssertEqual(page.pageNumber?.0, index, "PageNumber", file: file, line: line)
        XCTAssertEqual(page.pageNumber?.1, pages, "PageNumber total", file: file, line: line)
    }
}

/// Writes a whole file (test inputs).
func writeFile(_ path: String, _ data: Data) throws {
    try data.write(to: URL(fileURLWithPath: path))
}
