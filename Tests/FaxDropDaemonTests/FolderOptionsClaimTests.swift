import FaxDropCore
import FaxDropDaemon
import FaxDropSystem
import Foundation
import Logging
import XCTest

/// Claims in a labelled folder with a `.faxdrop` file: the journal carries the number, the
/// label and the options; a bad file is logged once per problem, not once per file.
final class FolderOptionsClaimTests: XCTestCase {
    private let fax = Sidecar.Fax(resolution: .fine, paper: .letter, header: "H", localStationID: "")

    func testABadFileIsLoggedOncePerProblem() throws {
        let spool = try TestSpool()
        defer { try? FileManager.default.removeItem(atPath: (spool.root as NSString).deletingLastPathComponent) }
        let logPath = spool.root + "/../claims.log"
        let fd = try Syscall.open(logPath, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600)
        let handler = FaxDropLogHandler(label: "t", format: .text, level: .error, secrets: [], sink: .init(fd: fd))
        let logger = Logger(label: "t") { _ in handler }
        let claimer = Claimer(spool: spool.spool, fax: fax, coverByDefault: true)
        let folder = "+15551234567 Smith\\Pharmacy"
        try spool.write(Array("PAPER=a4\nPRIORITY=soon\n".utf8), to: folder + "/.faxdrop")
        var records: [JobRecord] = []
        for n in 0..<3 {
            try spool.write(Array("%PDF-1.4".utf8), to: "\(folder)/\(n).pdf")
            records.append(
                try XCTUnwrap(
                    claimer.claim(spool.spool.outgoing + "/\(folder)/\(n).pdf", now: Date(), logger: logger).record))
        }
        try spool.write(Array("PAPER=legal\n".utf8), to: folder + "/.faxdrop")
        try spool.write(Array("%PDF-1.4".utf8), to: "\(folder)/3.pdf")
        records.append(
            try XCTUnwrap(claimer.claim(spool.spool.outgoing + "/\(folder)/3.pdf", now: Date(), logger: logger).record))
        Syscall.close(fd)

        let lines = try String(contentsOfFile: logPath, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2, lines.joined(separator: "\n"))
        XCTAssertTrue(
            lines[0].contains(#"problem=".faxdrop line 2: PRIORITY must be high, normal or low""#), String(lines[0]))
        XCTAssertTrue(lines[0].contains(#"folder="+15551234567 Smith\\Pharmacy""#), String(lines[0]))
        XCTAssertTrue(lines[1].contains("line 1: PAPER must be letter or a4"), String(lines[1]))
        for record in records {
            XCTAssertEqual(record.destination, "+15551234567")
            XCTAssertEqual(record.recipientName, #"Smith\Pharmacy"#)
            XCTAssertNotNil(record.optionsProblem)
        }
        // The journal on disk says the same, so a restart fails the job the same way.
        let journaled = try JournalStore(spool: spool.spool).read(records[0].jobID)
        XCTAssertEqual(journaled.optionsProblem, ".faxdrop line 2: PRIORITY must be high, normal or low")
        XCTAssertEqual(journaled.recipientName, #"Smith\Pharmacy"#)

        // A good file: its options, the gateway's cover default filled in, the paper applied.
        try spool.write(Array("PAPER=a4\nMAX_ATTEMPTS=2\n".utf8), to: folder + "/.faxdrop")
        try spool.write(Array("%PDF-1.4".utf8), to: "\(folder)/4.pdf")
        let good = try XCTUnwrap(
            claimer.claim(spool.spool.outgoing + "/\(folder)/4.pdf", now: Date(), logger: logger).record)
        XCTAssertNil(good.optionsProblem)
        XCTAssertEqual(good.options, JobOptions(cover: true, maxAttempts: 2, paper: .a4))
        XCTAssertEqual(good.fax.paper, .a4)
    }
}
