import FaxDropCore
import FaxDropRenderClient
import Foundation
import XCTest

/// A hang in one document fails that document only; the pool replaces the worker.
final class IsolationTests: XCTestCase {
    func testInfiniteLoopTimesOutWhileOtherJobsKeepFlowing() async throws {
        let loop = try RenderFixture(
            self, input: "loop.ps", RenderFixture.endlessLoop, workers: 2, timeout: .seconds(4))
        let clock = ContinuousClock()
        let start = clock.now
        async let hung = loop.pool.render(
            RenderRequest(id: "loop", input: loop.input, output: "\(loop.dir)/loop.tif"),
            logger: RenderTestSupport.logger)
        // While the loop occupies one worker, the other keeps rendering documents.
        for n in 0..<3 {
            let reply = await loop.pool.render(
                RenderRequest(
                    id: "ok-\(n)", input: RenderTestSupport.corpusFile("pdf/23-onepage-letter.pdf"),
                    output: "\(loop.dir)/ok-\(n).tif"),
                logger: RenderTestSupport.logger)
            XCTAssertNil(reply.error, reply.error?.message ?? "")
            XCTAssertEqual(reply.pages, 1)
        }
        let timedOut = await hung
        XCTAssertEqual(timedOut.error?.code, .conversionTimeout)
        XCTAssertGreaterThanOrEqual(start.duration(to: clock.now), .seconds(4))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(loop.dir)/loop.tif"))
        // The killed worker is replaced: two jobs at once still both succeed.
        async let a = loop.pool.render(
            RenderRequest(
                id: "a", input: RenderTestSupport.corpusFile("pdf/23-onepage-letter.pdf"), output: "\(loop.dir)/a.tif"),
            logger: RenderTestSupport.logger)
        async let b = loop.pool.render(
            RenderRequest(
                id: "b", input: RenderTestSupport.corpusFile("pdf/15-form-schule.pdf"), output: "\(loop.dir)/b.tif"),
            logger: RenderTestSupport.logger)
        let (ra, rb) = await (a, b)
        XCTAssertNil(ra.error)
        XCTAssertNil(rb.error)
        await loop.pool.shutdown()
    }

    func testMemoryBombFailsThatDocumentOnly() async throws {
        // Grows an array of 64 MB strings until memory runs out.
        let bomb = try RenderFixture(
            self, input: "bomb.ps", Data("%!PS\n/a [ 0 1 100000 { pop 67108864 string } for ] def showpage\n".utf8))
        let reply = await bomb.pool.render(
            RenderRequest(id: "bomb", input: bomb.input, output: "\(bomb.dir)/bomb.tif"),
            logger: RenderTestSupport.logger)
        XCTAssertNotNil(reply.error)
        XCTAssertTrue(
            [.conversionFailed, .corruptDocument].contains(reply.error?.code), "\(String(describing: reply.error))")
        await assertNextJobRenders(bomb)
    }

    func testWorkerThatDiedWhileIdleIsReplacedWithoutFailingTheNextJob() async throws {
        try RenderTestSupport.checkExecutable()
        let dir = try RenderTestSupport.scratch(self)
        let pool = RenderTestSupport.makePool(workers: 1)
        let input = RenderTestSupport.corpusFile("pdf/23-onepage-letter.pdf")
        let first = await pool.render(
            RenderRequest(id: "1", input: input, output: "\(dir)/1.tif"), logger: RenderTestSupport.logger)
        XCTAssertNil(first.error)
        let workers = ProcessTable.workerChildren()
        XCTAssertEqual(workers.count, 1)
        for pid in workers { kill(pid, SIGKILL) }
        // Wait until the kernel has ended it (it stays a zombie until the pool reaps it).
        while !ProcessTable.workerChildren().isEmpty { usleep(10_000) }
        let second = await pool.render(
            RenderRequest(id: "2", input: input, output: "\(dir)/2.tif"), logger: RenderTestSupport.logger)
        XCTAssertNil(second.error, second.error?.message ?? "")
        XCTAssertEqual(second.pages, 1)
        await pool.shutdown()
    }

    /// CPU time used by a process, in clock ticks (utime + stime of /proc/PID/stat).
    private func cpuTicks(_ pid: Int32) -> Int {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13 else { return 0 }
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    func testWorkerCrashMidJobFailsThatJobOnly() async throws {
        let loop = try RenderFixture(self, input: "loop.ps", RenderFixture.endlessLoop, timeout: .seconds(120))
        async let crashed = loop.pool.render(
            RenderRequest(id: "crash", input: loop.input, output: "\(loop.dir)/c.tif"), logger: RenderTestSupport.logger
        )
        // Once the process rendering the job (the worker's confined per-job child, or the
        // worker itself with the sandbox off) has spent half a second of CPU it is inside the
        // loop: kill it.
        var victim: Int32?
        while victim == nil {
            let workers = ProcessTable.workerChildren()
            victim = (workers + workers.flatMap(ProcessTable.children(of:))).first { cpuTicks($0) >= 50 }
            if victim == nil { usleep(20_000) }
        }
        kill(victim!, SIGSEGV)
        let reply = await crashed
        XCTAssertEqual(reply.error?.code, .conversionFailed)
        XCTAssertTrue(reply.error?.message.contains("Segmentation") ?? false, reply.error?.message ?? "")
        await assertNextJobRenders(loop)
    }

    /// After the failed job, the pool of `fixture` renders a plain letter; then it is shut down.
    private func assertNextJobRenders(_ fixture: RenderFixture, line: UInt = #line) async {
        let next = await fixture.pool.render(
            RenderRequest(
                id: "next", input: RenderTestSupport.corpusFile("pdf/23-onepage-letter.pdf"),
                output: "\(fixture.dir)/n.tif"),
            logger: RenderTestSupport.logger)
        XCTAssertNil(next.error, line: line)
        await fixture.pool.shutdown()
    }
}
