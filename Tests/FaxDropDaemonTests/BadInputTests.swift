import FaxDropCore
import FaxDropDaemon
import Foundation
import Logging
import Synchronization
import XCTest

/// Records what the daemon asked of the renderer and the line, to prove what it did not.
final class CallRecorder: DocumentRenderer, FaxBackend, Sendable {
    let name = "recorder"
    let renders = Mutex<[String]>([])
    let calls = Mutex<[String]>([])

    func render(_ request: RenderRequest, logger: Logger) async -> RenderReply {
        renders.withLock { $0.append(request.input) }
        return RenderReply(
            id: request.id, format: nil, pages: 0, pageBytes: [], seconds: 0,
            error: .init(code: .internalError, message: "this test renders nothing"))
    }

    func send(_ call: CallRequest) async -> CallResult {
        calls.withLock { $0.append(call.destination.value) }
        return CallResult(status: .failed(.internalError), pagesSent: 0)
    }

    func reconcile(_ call: CallRequest, startedAt: Date) async -> CallResult? { nil }
}

final class BadInputTests: XCTestCase {
    /// Each bad drop ends in failed/ with its code, the document kept beside the sidecar,
    /// nothing rendered or dialled, and the daemon still taking files.
    func testBadInputEndsInFailedWithItsCode() async throws {
        let spool = try TestSpool()
        let recorder = CallRecorder()
        _ = try await startDaemon(spool, renderer: recorder, backend: recorder)

        let pdf = Array("%PDF-1.4\n".utf8) + Array(repeating: 0x20, count: 100)
        try spool.write(pdf, to: "12345/letter.pdf")  // not E.164
        try spool.write(pdf, to: "+0123456789/zero.pdf")  // leading 0
        try spool.write(pdf, to: "stray.pdf")  // no destination folder
        try spool.write([], to: "+15551234567/empty.pdf")  // 0 bytes
        try spool.write([0x00, 0x01, 0x02, 0xFF, 0xFE] + Array(repeating: 0, count: 500), to: "+15551234567/blob.bin")
        try spool.write(Array("ignored".utf8), to: "+15551234567/.hidden.pdf")
        try spool.write(Array("ignored".utf8), to: "+15551234567/upload.pdf.part")

        let sidecars = try await spool.waitForSidecars(5, timeout: 20)

        let byName = Dictionary(uniqueKeysWithValues: sidecars.map { ($0.document.originalName, $0) })
        XCTAssertEqual(byName["letter.pdf"]?.error?.code, .invalidDestination)
        XCTAssertEqual(byName["letter.pdf"]?.destination, "12345")
        XCTAssertEqual(byName["zero.pdf"]?.error?.code, .invalidDestination)
        XCTAssertEqual(byName["stray.pdf"]?.error?.code, .invalidDestination)
        XCTAssertEqual(byName["empty.pdf"]?.error?.code, .emptyFile)
        XCTAssertEqual(byName["blob.bin"]?.error?.code, .unsupportedFormat)
        XCTAssertEqual(byName["blob.bin"]?.document.format, nil)
        for sidecar in sidecars {
            XCTAssertEqual(sidecar.status, .failed)
            XCTAssertEqual(sidecar.attempts.count, 0)
            // The original is kept beside the sidecar, byte for byte.
            let stored = spool.spool.failed + "/" + (try XCTUnwrap(sidecar.document.storedAs))
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: stored)).count, Int(sidecar.document.bytes))
        }
        XCTAssertEqual(byName["letter.pdf"]?.document.sha256.count, 64)
        XCTAssertEqual(recorder.renders.withLock { $0 }, [])
        XCTAssertEqual(recorder.calls.withLock { $0 }, [])
        // Ignored names stay where they are; active/ is empty again.
        XCTAssertTrue(FileManager.default.fileExists(atPath: spool.root + "/outgoing/+15551234567/.hidden.pdf"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: spool.root + "/outgoing/+15551234567/upload.pdf.part"))
        try await spool.assertActiveEmpties()
        try TestSpool.assertValid(spool.sidecars().failed)
    }
}
