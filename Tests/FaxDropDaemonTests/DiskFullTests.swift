import FaxDropCore
import FaxDropDaemon
import FaxDropSystem
import Foundation
import Logging
import XCTest

/// The spool's filesystem fills up while a sidecar is being written: no torn sidecar ever
/// appears, the document is kept, and the job ends properly once there is room again.
final class DiskFullTests: XCTestCase {
    /// A renderer that fills the disk while it "renders", then reports a failure, so the
    /// next thing the engine writes is the final sidecar — onto a full filesystem.
    final class DiskFiller: DocumentRenderer {
        let filler: String
        init(filler: String) { self.filler = filler }
        func render(_ request: RenderRequest, logger: Logger) async -> RenderReply {
            let fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            let chunk = [UInt8](repeating: 0x55, count: 4096)
            while chunk.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
            close(fd)
            return RenderReply(
                id: request.id, format: .pdf, pages: 0, pageBytes: [], seconds: 0,
                error: .init(code: .corruptDocument, message: "test document"))
        }
    }

    func testSidecarWaitsForSpaceAndIsNeverTorn() async throws {
        let base = NSTemporaryDirectory() + "faxdrop-full-\(getpid())"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        guard mountTmpfs(base, bytes: 1 << 20) else {
            throw XCTSkip("cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)")
        }
        addTeardownBlock { _ = umount2(base, Int32(MNT_DETACH)) }
        let spool = Spool(root: base + "/spool")
        try spool.createLayout()
        let filler = base + "/filler"
        let config = try Configuration(values: [
            "FAXDROP_SPOOL": spool.root, "FAXDROP_SETTLE_MS": "100", "FAXDROP_RESCAN_SECONDS": "0",
            "FAXDROP_HTTP": "false",
        ])
        let daemon = Daemon(
            configuration: config, renderer: DiskFiller(filler: filler), backend: CallRecorder(), logger: testLogger())
        try await daemon.start()
        addTeardownBlock { await daemon.stop() }

        try Syscall.mkdir(spool.outgoing + "/+15551234567")
        let document = Array("%PDF-1.4\n% a document that matters\n".utf8)
        XCTAssertTrue(
            FileManager.default.createFile(atPath: spool.outgoing + "/+15551234567/claim.pdf", contents: Data(document))
        )

        // Wait until the engine has tried to finish on the full disk: the document is moved
        // beside where the sidecar goes (a rename needs no space), the sidecar cannot be written.
        let deadline = Date().addingTimeInterval(15)
        while (try Syscall.listDirectory(spool.failed)).filter({ $0.hasSuffix(".pdf") }).isEmpty {
            if Date() > deadline {
                XCTFail("the engine never tried to finish the job")
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .milliseconds(300))
        XCTAssertEqual(
            try Syscall.listDirectory(spool.failed).filter { $0.hasSuffix(".json") }, [], "no sidecar on a full disk")
        XCTAssertEqual(try Syscall.listDirectory(spool.done), [], "and no torn one anywhere")

        try Syscall.unlink(filler)
        let done = Date().addingTimeInterval(20)
        var sidecars: [String] = []
        while sidecars.isEmpty && Date() < done {
            try await Task.sleep(for: .milliseconds(100))
            sidecars = try Syscall.listDirectory(spool.failed).filter { $0.hasSuffix(".json") }
        }
        XCTAssertEqual(sidecars.count, 1)
        let sidecarPath = spool.failed + "/" + sidecars[0]
        let sidecar = try JSONDecoder.faxdrop().decode(
            Sidecar.self, from: Data(contentsOf: URL(fileURLWithPath: sidecarPath)))
        XCTAssertEqual(sidecar.error?.code, .corruptDocument)
        let stored = try Data(
            contentsOf: URL(fileURLWithPath: spool.failed + "/" + (try XCTUnwrap(sidecar.document.storedAs))))
        XCTAssertEqual(Array(stored), document, "the document survives byte for byte")
        try TestSpool.assertValid([sidecarPath])
    }

    private func mountTmpfs(_ path: String, bytes: Int) -> Bool {
        mount("tmpfs", path, "tmpfs", 0, "size=\(bytes)") == 0
    }
}
