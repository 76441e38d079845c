import FaxDropSystem
import XCTest

extension XCTestCase {
    /// Starts a daemon on `spool` that renders and dials nothing (a `CallRecorder` is its
    /// renderer and its line) and makes the destination folder `outgoing/+15551234567`.
    /// Returns the recorder and the folder.
    func startRecordingDaemon(_ spool: TestSpool, _ settings: [String: String] = [:]) async throws -> (
        recorder: CallRecorder, folder: String
    ) {
        let recorder = CallRecorder()
        _ = try await startDaemon(spool, settings, renderer: recorder, backend: recorder)
        let folder = spool.root + "/outgoing/+15551234567"
        try Syscall.mkdir(folder)
        return (recorder, folder)
    }
}

/// Settings for writers slower than the intake: a settle time of 1 s, and rescans every second
/// that must not take a file still being written either.
let slowWriterSettings = ["FAXDROP_SETTLE_MS": "1000", "FAXDROP_RESCAN_SECONDS": "1"]
