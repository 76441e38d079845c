import FaxDropCore
import FaxDropFaxImage
import FaxDropRenderClient
import Foundation
import XCTest

/// Real PDFs from the corpus through the pool and the real worker (issue 2 / issue 3).
final class CorpusRenderTests: XCTestCase {
    /// Corpus PDFs short enough for a test run; the long manuals are the benchmark's.
    static let documents: [(name: String, pages: Int)] = [
        ("09-lilypond-orchestra.pdf", 1), ("11-scan-draftmargin.pdf", 1), ("12-octave-refcard-legal.pdf", 3),
        ("13-octave-refcard-a4.pdf", 3), ("15-form-schule.pdf", 1), ("17-beamer-talk.pdf", 31),
        ("18-word-statement.pdf", 1), ("20-a3-exam.pdf", 5), ("23-onepage-letter.pdf", 1),
        ("27-scan-ccitt-forms-only.pdf", 2),
    ]

    func testCorpusPDFsRenderToClassF() async throws {
        try RenderTestSupport.checkExecutable()
        let dir = try RenderTestSupport.scratch(self)
        let pool = RenderTestSupport.makePool(workers: 2)
        try await withThrowingTaskGroup(of: (String, Int, RenderReply).self) { group in
            for (name, pages) in Self.documents {
                group.addTask {
                    let request = RenderRequest(
                        id: name, input: RenderTestSupport.corpusFile("pdf/\(name)"), output: "\(dir)/\(name).tif")
                    return (name, pages, await pool.render(request, logger: RenderTestSupport.logger))
                }
            }
            for try await (name, pages, reply) in group {
                XCTAssertNil(reply.error, "\(name): \(String(describing: reply.error))")
                XCTAssertEqual(reply.format, .pdf, name)
                XCTAssertEqual(reply.pages, pages, name)
                XCTAssertEqual(reply.pageBytes.count, pages, name)
                try assertClassF("\(dir)/\(name).tif", pages: pages)
                // A rendered page is never blank (every corpus page has content).
                let first = try FaxImage.readBitmap("\(dir)/\(name).tif", page: 0)
                XCTAssertGreaterThan(first.blackFraction, 0.001, "\(name) page 1 has ink")
            }
        }
        await pool.shutdown()
    }

    func testOwnerPasswordOnlyPDFRendersEveryPage() async throws {
        try RenderTestSupport.checkExecutable()
        let dir = try RenderTestSupport.scratch(self)
        let pool = RenderTestSupport.makePool(workers: 1)
        let request = RenderRequest(
            id: "owner", input: RenderTestSupport.corpusFile("pdf/24-enc-ownerpw-only.pdf"), output: "\(dir)/o.tif",
            maxPages: 200)
        let reply = await pool.render(request, logger: RenderTestSupport.logger)
        XCTAssertNil(reply.error)
        XCTAssertEqual(reply.pages, 113)
        try assertClassF("\(dir)/o.tif", pages: 113)
        await pool.shutdown()
    }

    func testNormalResolutionAndA4() async throws {
        try RenderTestSupport.checkExecutable()
        let dir = try RenderTestSupport.scratch(self)
        let pool = RenderTestSupport.makePool(workers: 1)
        for (resolution, paper) in [(Resolution.normal, Paper.letter), (.fine, .a4), (.normal, .a4)] {
            let output = "\(dir)/\(resolution)-\(paper).tif"
            let request = RenderRequest(
                id: "\(resolution)-\(paper)", input: RenderTestSupport.corpusFile("pdf/13-octave-refcard-a4.pdf"),
                output: output, resolution: resolution, paper: paper)
            let reply = await pool.render(request, logger: RenderTestSupport.logger)
            XCTAssertNil(reply.error)
            try assertClassF(output, pages: 3, resolution: resolution, paper: paper)
        }
        await pool.shutdown()
    }
}
