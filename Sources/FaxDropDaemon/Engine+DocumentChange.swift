import FaxDropCore
import FaxDropSystem
import Foundation

/// What was faxed is what the sidecar describes: `bytes` and `sha256` are taken from the
/// claimed document (under a read lease); if the document is later found with another
/// size or modification time (any of a job's documents), someone wrote to it after the claim, and the job ends
/// `document_changed` rather than `sent`. Checked after rendering and before a sent job's
/// sidecar is written; each check is one `lstat`.
extension Engine {
    /// Why the kept document is no longer the one that was inspected, or `nil`.
    nonisolated func documentChange(_ record: JobRecord) -> FaxError? {
        if let change = firstDocumentChange(record) {
            guard record.moreDocuments != nil else { return change }
            return FaxError(change.code, Self.naming(1, record.originalName, change.message))
        }
        return moreDocumentsChange(record)
    }

    nonisolated func firstDocumentChange(_ record: JobRecord) -> FaxError? {
        guard let modified = record.documentModified, modified != 0,
            let status = try? Syscall.lstatIfExists(spool.document(record.jobID)), status.kind == .regular
        else { return nil }
        if status.size == record.bytes && status.modifiedNanoseconds == modified { return nil }
        return FaxError(
            .documentChanged,
            "the document was written to after it was claimed (\(record.bytes) bytes when rendered, \(status.size) now); "
                + "bytes and sha256 describe what was rendered, the kept file is the changed one")
    }

    /// `record`, ended `document_changed` if a sent job's document changed since its claim.
    func checkedBeforeFinishing(_ record: JobRecord) -> JobRecord {
        guard record.state == .done, let change = documentChange(record) else { return record }
        var failed = record
        failed.state = .failed
        failed.lastError = FaxErrorRecord(change)
        jobLogger(record.jobID).warning(
            "the document changed after its claim", metadata: ["message": "\(change.message)"])
        persist(failed)
        return failed
    }
}
