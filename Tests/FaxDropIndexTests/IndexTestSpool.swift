import FaxDropCore
import FaxDropSystem
import Foundation
import Logging
import XCTest

/// A temporary spool with `done/`, `failed/` and `active/`, and real sidecars and journals
/// written into it as the daemon writes them (`JSONEncoder.faxdrop()`).
struct IndexTestSpool {
    let base: String
    var root: String { base + "/spool" }
    var indexPath: String { root + "/index/jobs.sqlite" }

    init() throws {
        var template = Array((NSTemporaryDirectory() + "faxdrop-index-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw SystemError("mkdtemp", errno: errno) }
        base = String(cString: made)
        for folder in ["", "/done", "/failed", "/active", "/tmp"] { try Syscall.mkdirIfNeeded(root + folder) }
    }

    func remove() { try? FileManager.default.removeItem(atPath: base) }

    static func id(_ n: Int) -> JobID {
        JobID(milliseconds: 1_700_000_000_000 + UInt64(n), random: (hi: 7, lo: UInt64(n)))
    }

    static func sidecar(
        _ n: Int, status: Sidecar.Status, number: String = "+15551230000", name: String = "letter.pdf",
        code: ErrorCode? = nil, queuedAt: Date, attempts: Int = 1, pages: Int = 2
    ) -> Sidecar {
        let start = queuedAt.addingTimeInterval(5)
        let records = (1...max(1, attempts)).map { i in
            AttemptRecord(
                number: i, startedAt: start, endedAt: start.addingTimeInterval(30),
                outcome: i == attempts && status == .sent ? "sent" : (code?.rawValue ?? "busy"))
        }
        var s = Sidecar(
            jobID: id(n), status: status, destination: number,
            document: Sidecar.Document(
                originalName: name, storedAs: nil, bytes: 1234, sha256: String(repeating: "a", count: 64), format: .pdf),
            pages: Sidecar.Pages(total: pages, sent: status == .sent ? pages : 0),
            fax: Sidecar.Fax(resolution: .fine, paper: .letter, header: "FaxDrop", localStationID: "+15550000000"),
            attempts: records,
            error: status == .sent ? nil : Sidecar.Failure(FaxError(code ?? .busy, "the line was busy")),
            queuedAt: queuedAt, completedAt: queuedAt.addingTimeInterval(60),
            gateway: Sidecar.Gateway(host: "test", version: "0"))
        s.recipient = E164Number(number).map { Sidecar.Recipient(number: $0.value, name: nil) }
        return s
    }

    @discardableResult
    func write(_ sidecar: Sidecar) throws -> String {
        let path = root + (sidecar.status == .sent ? "/done/" : "/failed/") + sidecar.jobID.value + ".json"
        try AtomicFile.write(try JSONEncoder.faxdrop().encode(sidecar), to: path, stagingDirectory: root + "/tmp")
        return path
    }

    func write(journal record: JobRecord) throws {
        let folder = root + "/active/" + record.jobID.value
        try Syscall.mkdirIfNeeded(folder)
        try AtomicFile.write(
            try JSONEncoder.faxdrop().encode(record), to: folder + "/job.json", stagingDirectory: root + "/tmp")
    }

    static func journal(_ n: Int, state: JobState, number: String, queuedAt: Date) -> JobRecord {
        JobRecord(
            jobID: id(n), state: state, destination: number, originalName: "live-\(n).pdf", documentFile: "document",
            fax: Sidecar.Fax(resolution: .fine, paper: .letter, header: "FaxDrop", localStationID: "+15550000000"),
            queuedAt: queuedAt)
    }
}

func quietLogger() -> Logger {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}
