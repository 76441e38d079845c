import FaxDropCore
import XCTest

final class FolderOptionsTests: XCTestCase {
    private func parse(_ text: String) -> Result<JobOptions, FolderOptions.Problem> {
        FolderOptions.parse(Array(text.utf8))
    }

    func testEveryKeyIsRead() throws {
        let text = """
            # Smith Pharmacy's folder
            COVER=on
            COVER_SUBJECT = "Prescription (refill) \\\\ urgent"
            COVER_NOTE=First paragraph.

            FAXDROP_COVER_NOTE='Second paragraph.'
            resolution=normal\r\n\
            PAPER=A4
            PRIORITY=high
            MAX_ATTEMPTS=3
            """
        let options = try parse(text).get()
        XCTAssertEqual(
            options,
            JobOptions(
                cover: true, subject: #"Prescription (refill) \\ urgent"#,
                note: ["First paragraph.", "Second paragraph."],
                priority: .high, maxAttempts: 3, resolution: .normal, paper: .a4))
        XCTAssertEqual(try parse("").get(), JobOptions())
        XCTAssertEqual(try parse("COVER=off\n").get(), JobOptions(cover: false))
    }

    /// Each bad file is refused whole, naming the line; the hostile text itself is never
    /// echoed in the message (it goes to logs and sidecars).
    func testBadLinesAreNamed() {
        let cases: [(String, Int?, String)] = [
            ("COVER=maybe", 1, "COVER must be on or off"),
            ("PAPER=legal", 1, "PAPER must be letter or a4"),
            ("RESOLUTION=superfine", 1, "RESOLUTION must be fine or normal"),
            ("PRIORITY=urgent", 1, "PRIORITY must be high, normal or low"),
            ("MAX_ATTEMPTS=0", 1, "MAX_ATTEMPTS must be a whole number from 1 to 100"),
            ("MAX_ATTEMPTS=1e9", 1, "MAX_ATTEMPTS must be a whole number from 1 to 100"),
            ("# ok\n\nCOVER", 3, "expected KEY=value"),
            ("COVER=on\ncover=off", 2, "COVER is set twice"),
            ("\u{1B}]0;owned\u{7}=x", 1, "unknown key"),
            ("COVER_SUBJECT=a\u{1B}[2Jb", 1, "COVER_SUBJECT holds a control"),
            ("COVER_NOTE=bidi \u{202E}txt", 1, "COVER_NOTE holds a control"),
            ("COVER_SUBJECT=" + String(repeating: "s", count: 121), 1, "COVER_SUBJECT longer than 120"),
            (
                String(repeating: "COVER_NOTE=" + String(repeating: "n", count: 900) + "\n", count: 3), 3,
                "COVER_NOTE: the note is longer"
            ),
        ]
        for (text, line, message) in cases {
            switch parse(text) {
            case .success: XCTFail("accepted: \(text.debugDescription)")
            case .failure(let problem):
                XCTAssertEqual(problem.line, line, text.debugDescription)
                XCTAssertTrue(problem.message.hasPrefix(message), "\(problem.message) for \(text.debugDescription)")
                XCTAssertFalse(problem.description.contains("owned"))
                if let line { XCTAssertTrue(problem.description.hasPrefix(".faxdrop line \(line): ")) }
            }
        }
    }

    func testWholeFileProblems() {
        XCTAssertEqual(FolderOptions.parse([0x43, 0x4F, 0xFF, 0xFE]).failureProblem?.message, "not UTF-8 text")
        let big = Array(repeating: UInt8(ascii: "#"), count: FolderOptions.maxBytes + 1)
        XCTAssertEqual(FolderOptions.parse(big).failureProblem?.line, nil)
        XCTAssertEqual(FolderOptions.parse(big).failureProblem?.message, "larger than 8192 bytes")
    }
}

extension Result where Failure == FolderOptions.Problem {
    var failureProblem: FolderOptions.Problem? {
        if case .failure(let problem) = self { return problem }
        return nil
    }
}
