import FaxDropCore
import FaxDropDaemon
import FaxDropSystem
import Foundation
import Logging
import XCTest

/// Text log lines: a value from outside (a folder label, a file name) cannot forge a line,
/// a field or a terminal escape.
final class LogQuotingTests: XCTestCase {
    func testHostileValuesAreQuotedAndEscaped() throws {
        let path = NSTemporaryDirectory() + "faxdrop-log-\(UInt32.random(in: 0...UInt32.max)).txt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fd = try Syscall.open(path, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600)
        let handler = FaxDropLogHandler(label: "t", format: .text, level: .info, secrets: [], sink: .init(fd: fd))
        let logger = Logger(label: "t") { _ in handler }
        logger.info(
            "claimed",
            metadata: [
                "recipient": "Smith Pharmacy", "name": "a\nINFO forged=1", "escape": "\u{1B}[2Jx",
                "bidi": "evil\u{202E}fdp",
                "quote": #"say "hi" \ bye"#, "eq": "job=01FAKE", "plain": "+15551234567",
            ])
        Syscall.close(fd)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(text.filter { $0 == "\n" }.count, 1, text)
        XCTAssertFalse(text.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{202E}" })
        XCTAssertTrue(text.contains(#"recipient="Smith Pharmacy""#))
        XCTAssertTrue(text.contains(#"name="a\nINFO forged=1""#))
        XCTAssertTrue(text.contains(#"escape="\u{1b}[2Jx""#))
        XCTAssertTrue(text.contains(#"bidi="evil\u{202e}fdp""#))
        XCTAssertTrue(text.contains(#"quote="say \"hi\" \\ bye""#))
        XCTAssertTrue(text.contains(#"eq="job=01FAKE""#))
        XCTAssertTrue(text.contains(" plain=+15551234567"))
    }
}
