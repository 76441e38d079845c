import FaxDropCore
import FaxDropSystem
import Foundation

/// A job of several documents (`document`, `document-2`, …): each is examined like the
/// first, and the first input error among them ends the job with that document's code,
/// its message naming which document it was.
extension Engine {
    /// `record` with its further documents' sizes, digests and formats taken.
    nonisolated func inspectingMore(_ record: JobRecord) -> JobRecord {
        guard var more = record.moreDocuments, !more.isEmpty else { return record }
        var result = record
        if let error = record.lastError, record.state == .failed, record.number != nil,
            !error.message.hasPrefix("document 1 ")
        {
            result.lastError = FaxErrorRecord(FaxError(error.code, Self.naming(1, record.originalName, error.message)))
        }
        for (i, document) in more.enumerated() {
            let findings = DocumentInspector.inspect(
                spool.jobFolder(record.jobID) + "/" + document.file, maxBytes: settings.maxBytes, logger: logger)
            more[i].bytes = findings.bytes
            more[i].sha256 = findings.sha256
            more[i].format = findings.format
            more[i].modified = findings.modifiedNanoseconds
            if let error = findings.error, result.state != .failed, record.number != nil {
                result.state = .failed
                result.lastError = FaxErrorRecord(
                    FaxError(error.code, Self.naming(i + 2, document.originalName, error.message)))
            }
        }
        result.moreDocuments = more
        return result
    }

    /// A message about document `n` of a job of several, saying which one it is.
    nonisolated static func naming(_ n: Int, _ name: String, _ message: String) -> String {
        "document \(n) (\(name.debugDescription)): \(message)"
    }

    /// Why a further document is no longer the one inspected, or `nil`.
    nonisolated func moreDocumentsChange(_ record: JobRecord) -> FaxError? {
        for (i, document) in (record.moreDocuments ?? []).enumerated() {
            guard let modified = document.modified, modified != 0,
                let status = try? Syscall.lstatIfExists(spool.jobFolder(record.jobID) + "/" + document.file),
                status.kind == .regular
            else { continue }
            if status.size == document.bytes && status.modifiedNanoseconds == modified { continue }
            return FaxError(
                .documentChanged,
                Self.naming(
                    i + 2, document.originalName,
                    "the document was written to after it was claimed (\(document.bytes) bytes when rendered, "
                        + "\(status.size) now); bytes and sha256 describe what was rendered, the kept file is the changed one"
                ))
        }
        return nil
    }
}
