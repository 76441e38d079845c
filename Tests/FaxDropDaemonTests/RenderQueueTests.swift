import FaxDropCore
import FaxDropDaemon
import Foundation
import Logging
import Synchronization
import XCTest

/// A burst of claims queues its renders as job ids: only `rendersAtOnce` (twice the
/// renderer workers) are in flight, not a task per job parked on the pool (issue 14).
final class RenderQueueTests: XCTestCase {
    /// Holds each render until a third one starts or the test lets them go, and counts how
    /// many are in flight at once.
    final class HoldingRenderer: DocumentRenderer, Sendable {
        let started = Atomic<Int>(0)
        let inFlight = Atomic<Int>(0)
        let mostInFlight = Atomic<Int>(0)
        let released = Atomic<Bool>(false)

        func render(_ request: RenderRequest, logger: Logger) async -> RenderReply {
            let count = started.add(1, ordering: .sequentiallyConsistent).newValue
            let now = inFlight.add(1, ordering: .sequentiallyConsistent).newValue
            mostInFlight.max(now, ordering: .sequentiallyConsistent)
            // Two renders wait here until a third starts (which a burst without a limit
            // does at once) or the test lets them go.
            while count <= 2 && started.load(ordering: .sequentiallyConsistent) <= 2
                && !released.load(ordering: .sequentiallyConsistent)
            {
                try? await Task.sleep(for: .milliseconds(5))
            }
            inFlight.subtract(1, ordering: .sequentiallyConsistent)
            return RenderReply(
                id: request.id, format: nil, pages: 0, pageBytes: [], seconds: 0,
                error: .init(code: .conversionFailed, message: "this test renders nothing"))
        }
    }

    func testABurstRendersAFewAtATimeAndTheRestWaitAsIDs() async throws {
        let spool = try TestSpool()
        let renderer = HoldingRenderer()
        let recorder = CallRecorder()
        let daemon = try await startDaemon(
            spool, ["FAXDROP_RENDER_WORKERS": "1"], renderer: renderer, backend: recorder)
        let pdf = Array("%PDF-1.4\n".utf8) + Array(repeating: 0x20, count: 100)
        for i in 0..<12 { try spool.write(pdf, to: "+15551234567/doc-\(i).pdf") }

        // Every job is claimed and admitted: converting, its render asked for …
        let deadline = Date().addingTimeInterval(20)
        while await daemon.engine.snapshot().filter({ $0.state == .converting }).count < 12 {
            if Date() > deadline { return XCTFail("the twelve jobs were not all admitted") }
            try await Task.sleep(for: .milliseconds(20))
        }
        // … while only two renders started: the others wait for one of them to end.
        XCTAssertEqual(renderer.started.load(ordering: .sequentiallyConsistent), 2)
        renderer.released.store(true, ordering: .sequentiallyConsistent)

        let sidecars = try await spool.waitForSidecars(12, timeout: 30)
        XCTAssertEqual(sidecars.filter { $0.error?.code == .conversionFailed }.count, 12)
        XCTAssertEqual(renderer.started.load(ordering: .sequentiallyConsistent), 12, "each job rendered once")
        XCTAssertEqual(renderer.mostInFlight.load(ordering: .sequentiallyConsistent), 2)
        XCTAssertEqual(recorder.calls.withLock { $0 }, [])
    }
}
