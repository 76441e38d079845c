import FaxDropCore
import FaxDropDaemon
import FaxDropHTTP
import FaxDropSystem
import Foundation
import Logging
import XCTest

/// Text logs (issue 9, item 7): one log call is one line, whatever a file name or a value
/// holds; control characters show as escapes.
final class TextLogTests: XCTestCase {
    private func textLogger(_ path: String) throws -> (Logger, Int32) {
        let fd = try Syscall.open(path, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600)
        let handler = FaxDropLogHandler(label: "faxdrop", format: .text, level: .info, secrets: [], sink: .init(fd: fd))
        return (Logger(label: "faxdrop") { _ in handler }, fd)
    }

    /// Every line starts like a line the handler wrote: a timestamp and a level.
    private func assertEveryLineIsALogLine(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        for row in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let words = row.split(separator: " ", maxSplits: 2)
            XCTAssertTrue(
                words.count >= 2 && Timestamp.parse(String(words[0])) != nil
                    && ["TRACE", "DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL"].contains(String(words[1])),
                "not a log line: \(row.debugDescription)", file: file, line: line)
        }
        XCTAssertTrue(text.isEmpty || text.hasSuffix("\n"), file: file, line: line)
    }

    func testEveryControlCharacterIsEscapedPerScalar() throws {
        let spool = try HTTPTestSpool()
        let path = spool.base + "/log.txt"
        let (logger, fd) = try textLogger(path)
        defer { Syscall.close(fd) }
        let hostile = "a\r\nb\nc\rd\u{0}e\u{1b}[31mf\u{7f}g\u{85}h\u{9b}i\u{2028}j\u{2029}k\\nl\tm"
        logger.info("\(hostile)", metadata: ["name": "\(hostile)", "plain": "x y"])
        logger.error("second\r\n2026-01-01T00:00:00.000Z INFO forged")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(text.utf8.filter { $0 == 10 }.count, 2, text)
        XCTAssertEqual(text.unicodeScalars.filter { $0.value < 0x20 && $0 != "\n" }.count, 0, text.debugDescription)
        XCTAssertFalse(
            text.unicodeScalars.contains { (0x7F...0x9F).contains($0.value) || $0 == "\u{2028}" || $0 == "\u{2029}" })
        assertEveryLineIsALogLine(text)
        let escaped = #"a\r\nb\nc\rd\u{0}e\u{1b}[31mf\u{7f}g\u{85}h\u{9b}i\u{2028}j\u{2029}k\\nl\tm"#
        XCTAssertTrue(text.contains(" INFO \(escaped) "), text)
        // A metadata value with anything to escape is also quoted.
        XCTAssertTrue(text.contains(#"name="\#(escaped)""#), text)
        XCTAssertTrue(text.contains(#"plain="x y""#), text)
        XCTAssertTrue(text.contains(#" ERROR second\r\n2026-01-01T00:00:00.000Z INFO forged"#), text)
    }

    /// A dropped file whose name holds CRLF, LF and a terminal escape goes through the daemon:
    /// no forged line appears, and the name shows escaped.
    func testAHostileFileNameWritesNoForgedLine() async throws {
        let spool = try HTTPTestSpool()
        let path = spool.base + "/log.txt"
        let (logger, fd) = try textLogger(path)
        defer { Syscall.close(fd) }
        let gateway = try await RunningGateway.start(spool, settings: ["FAXDROP_HTTP": "false"], logger: logger)
        let name = "x\r\n2026-01-01T00:00:00.000Z ERROR forged\n\u{1b}[31mred.pdf"
        let folder = spool.spool.outgoing + "/+15551234567"
        try Syscall.mkdirIfNeeded(folder)
        let staging = spool.base + "/staging.pdf"
        try FileManager.default.copyItem(atPath: Fixtures.onePageLetter, toPath: staging)
        try Syscall.rename(staging, folder + "/" + name)

        let deadline = Date().addingTimeInterval(60)
        var text = ""
        while Date() < deadline {
            text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            if text.contains(" INFO finished") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        await gateway.stop()
        text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains(" INFO finished"), text)
        assertEveryLineIsALogLine(text)
        XCTAssertFalse(text.contains("\u{1b}"), text.debugDescription)
        let claimed = text.split(separator: "\n").filter { $0.contains(" INFO claimed ") }
        XCTAssertEqual(claimed.count, 1, text)
        XCTAssertTrue(
            claimed.first?.contains(#"name="x\r\n2026-01-01T00:00:00.000Z ERROR forged\n\u{1b}[31mred.pdf""#) ?? false,
            text)
    }
}
