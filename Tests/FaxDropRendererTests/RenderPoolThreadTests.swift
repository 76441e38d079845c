import FaxDropCore
import FaxDropFaxImage
import FaxDropRenderClient
import Foundation
import XCTest

/// Each worker's pipes and process are owned by one thread of its own, which ends with the
/// worker; the daemon's sniffing answer is the renderer's.
final class RenderPoolThreadTests: XCTestCase {
    /// The names of this process's threads (`/proc/self/task/*/comm`).
    private func threadNames() -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.compactMap { task in
            (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    func testEachWorkerHasOneThreadThatEndsWithIt() async throws {
        try RenderTestSupport.checkExecutable()
        let dir = try RenderTestSupport.scratch(self)
        let pool = RenderTestSupport.makePool(workers: 2)
        async let first = pool.render(
            RenderRequest(
                id: "a", input: RenderTestSupport.corpusFile("pdf/23-onepage-letter.pdf"), output: dir + "/a.tif"),
            logger: RenderTestSupport.logger)
        async let second = pool.render(
            RenderRequest(
                id: "b", input: RenderTestSupport.corpusFile("pdf/23-onepage-letter.pdf"), output: dir + "/b.tif"),
            logger: RenderTestSupport.logger)
        let replies = await [first, second]
        XCTAssertEqual(replies.map(\.error), [nil, nil])
        let during = threadNames().filter { $0.hasPrefix("render-worker-") }
        XCTAssertEqual(Set(during), ["render-worker-1", "render-worker-2"], "one owning thread per worker")
        await pool.shutdown()
        let deadline = Date().addingTimeInterval(20)
        while threadNames().contains(where: { $0.hasPrefix("render-worker-") }), Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTAssertEqual(
            threadNames().filter { $0.hasPrefix("render-worker-") }, [], "the threads end with their workers")
    }

    /// A request that names a format is rendered as that format, without sniffing again: the
    /// daemon's answer at the claim is the one used. PostScript source named `text` is faxed
    /// as its text.
    func testTheFormatGivenInTheRequestIsTheOneRendered() async throws {
        try RenderTestSupport.checkExecutable()
        let dir = try RenderTestSupport.scratch(self)
        try writeFile(dir + "/doc", Data("%!PS-Adobe-3.0\n/Helvetica findfont 12 scalefont setfont\nshowpage\n".utf8))
        let pool = RenderTestSupport.makePool(workers: 1)
        let sniffed = await pool.render(
            RenderRequest(id: "s", input: dir + "/doc", output: dir + "/s.tif"), logger: RenderTestSupport.logger)
        let given = await pool.render(
            RenderRequest(id: "g", input: dir + "/doc", output: dir + "/g.tif", format: .text),
            logger: RenderTestSupport.logger)
        await pool.shutdown()
        XCTAssertEqual(sniffed.format, .postscript)
        XCTAssertEqual(given.format, .text)
        XCTAssertNil(given.error)
        XCTAssertEqual(given.pages, 1)
        XCTAssertEqual(try FaxImage.inspect(dir + "/g.tif").count, given.pages, "the reply's page count is the image's")
    }
}
