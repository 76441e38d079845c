import Foundation

/// The live Asterisk captures in the project's shared ground truth,
/// `../shared/asterisk/transcripts/` beside the repository (as CI lays it out).
enum Captures {
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/asterisk/transcripts")

    static let names = [
        "bad_tiff", "busy", "congestion", "midcall_hangup", "missing_file", "no_answer", "success_1page",
        "success_2page", "userevent_action", "wrong_password",
    ]

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent("\(name).txt")))
    }

    /// Repository root (for `asterisk/` and `.env.example`).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
