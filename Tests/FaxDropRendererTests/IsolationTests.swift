import FaxDropCore
import FaxDropRenderClient
import Foundation
import XCTest

/// A hang in one document fails that document only; the pool replaces the worker.
final class IsolationTests: XCTestCase {
    func testInfiniteLoopTimesOutWhileOtherJobsKeepFlowing() async throws {
        try RenderTestSupport.checkExecutable()
        let dir = try RenderTestSupport.scratch(self)
        let loop = "\(dir)/loop.ps"
        try writeFile(loop, Data("%!PS\n{} loop\n".utf8))
        let pool = RenderTestSupport.makePool(workers: 2, timeout: .seconds(4))
        let clock = ContinuousClock()
        let start = clock.now
        async let hung = pool.render(
            RenderRequest(id: "loop", input: loop, output: "\(dir)/loop.tif"), logger: RenderTestSupport.logger)
        // While the loop occupies one worker, the other keeps rendering documents.
        for n in 0..<3 {
            let reply = await pool.render(
                RenderRequest(
                    id: "ok-\(n)", input: RenderTestSupport.corpusFile("pdf/23-onepage-letter.pdf"),
                    output: "\(dir)/ok-\(n).tif"),
                logger: RenderTestSupport.logger)
            XCTAssertNil(reply.error, reply.error?.message ?? "")
            XCTAssertEqual(reply.pages, 1)
        }
        let timedOut = await hung
        XCTAssertEqual(timedOut.error?.code, .conversionTimeout)
        XCTAssertGreaterThanOrEqual(start.duration(to: clock.now), .seconds(4))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/loop.tif"))
        // The killed worker is replaced: two jobs at once still both succeed.
        async let a = pool.render(
            RenderRequest(id: "a", input: RenderTestSupport.corpusFile("pdf/23-onepage-letter.pdf"), output: "\(dir)/a.tif"),
            logger: RenderTestSupport.logger)
        async let b = pool.render(
            RenderRequest(id: "b", input: RenderTestSupport.corpusFile("pdf/15-form-schule.pdf"), output: "\(dir)/b.tif"),
            logger: RenderTestSupport.logger)
        let (ra, rb) = await (a, b)
        XCTAssertNil(ra.error)
        XCTAssertNil(rb.error)
        await pool.shutdown()
    }

    func testMemoryBombFailsThatDocumentOnly() async throws {
        try RenderTestSupport.checkExecutable()
        let dir = try RenderTestSupport.scratch(self)
        let bomb = "\(dir)/bomb.ps"
        // Grows an array of 64 MB strings until memory runs out.
        try writeFile(bomb, Data("%!PS\n/a [ 0 1 100000 { pop 67108864 string } for ] def showpage\n".utf8))
        let pool = RenderTestSupport.makePool(workers: 1, timeout: .seconds(60))
        let reply = await pool.render(
            RenderRequest(id: "bomb", input: bomb, output: "\(dir)/bomb.tif"), logger: RenderTestSupport.logger)
        XCTAssertNotNil(reply.error)
        XCTAssertTrue([.conversionFailed, .corruptDocument].contains(reply.error?.code), "\(String(describing: reply.error))")
        let next = await pool.render(
            RenderRequest(id: "next", input: RenderTestSupport.corpusFile("pdf/23-onepage-letter.pdf"), output: "\(dir)/n.tif"),
            logger: RenderTestSupport.logger)
        XCTAssertNil(next.error)
        await pool.shutdown()
    }
}
