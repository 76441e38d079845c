import FaxDropCore
import FaxDropDiagnostics
import FaxDropHTTP
import FaxDropRenderClient
import Foundation
import XCTest

/// `faxdrop check` looks at `FAXDROP_COVER_LETTERHEAD` as a cover would use it, with the
/// real renderer worker: one page of PDF is in order; anything else is a warning (covers
/// are made without it, faxes still go), named and escaped.
final class LetterheadDiagnosticsTests: XCTestCase {
    func testLetterheadFindings() async throws {
        let spool = try HTTPTestSpool()
        let binaries = URL(fileURLWithPath: RenderPool.defaultExecutable()).deletingLastPathComponent().path
        let text = spool.base + "/note\u{1B}[2J.pdf"
        try Data("just text\n".utf8).write(to: URL(fileURLWithPath: text))
        let cases: [(String?, Diagnostics.Finding.Level?, String)] = [
            (nil, nil, ""),
            (Fixtures.onePageLetter, .ok, "one page, drawn under the cover's fields"),
            (Fixtures.corpus + "/pdf/12-octave-refcard-legal.pdf", .warning, "has more than one page"),
            (Fixtures.corpus + "/pdf/29-garbage-not-pdf.pdf", .warning, "cannot be rendered (corrupt_document)"),
            (spool.base + "/missing.pdf", .warning, "does not exist"),
            (text, .warning, "is not a PDF"),
        ]
        for (path, level, detail) in cases {
            let settings = path.map { ["FAXDROP_COVER_LETTERHEAD": $0] } ?? [:]
            let diagnostics = Diagnostics(
                configuration: try spool.configuration(settings), executableDirectory: binaries)
            let found = await diagnostics.run().filter { $0.check == "letterhead" }
            XCTAssertEqual(found.map(\.level), level.map { [$0] } ?? [], path ?? "unset")
            XCTAssertTrue(found.first?.detail.contains(detail) ?? true, found.first?.detail ?? "")
            XCTAssertFalse(found.first?.detail.contains("\u{1B}") ?? false)
        }
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: spool.spool.tmp).filter { $0.contains("letterhead") },
            [],
            "the check leaves nothing behind")
    }
}
