import FaxDropCore
import FaxDropSystem
import Foundation

extension Submitter {
    /// `faxdrop retry`: queues the failed job of `failed` again as `new`, by the submit path —
    /// copies of its kept documents (in order) and its journal are built in `tmp/submit-<new>/`
    /// and renamed into `active/<new>/` in one step, so a crash leaves either no job or a whole
    /// one. The new job keeps the original's fax settings and names it (`retryOf`). Returns the
    /// journaled record (state `claiming`) for the daemon to admit; asks nothing of it.
    public func requeue(_ failed: Sidecar, as new: JobID, now: Date) throws -> JobRecord {
        let further = Array((failed.documents ?? []).dropFirst().prefix(JobDocument.maxCount - 1))
        var kept: [String] = []
        for (i, document) in ([failed.document] + further).enumerated() {
            guard let name = document.storedAs, !name.contains("/") else {
                let which = i == 0 ? "document" : "document \(i + 1)"
                throw FaxError(.notARegularFile, "the failed job kept no \(which) to send again")
            }
            kept.append(spool.failed + "/" + name)
        }
        let documents = try kept.map { try AtomicFile.read($0, limit: Int.max) }
        try spool.createLayout()
        let stage = try makeStage(new)
        try writeDocuments(documents, into: stage)
        var record = JobRecord(
            jobID: new, state: .claiming, destination: failed.destination, originalName: failed.document.originalName,
            documentFile: "document", fax: failed.fax, queuedAt: now, retryOf: failed.jobID)
        if !further.isEmpty {
            record.moreDocuments = further.enumerated().map { i, document in
                JobDocument(originalName: document.originalName, file: JobDocument.fileName(i + 2))
            }
        }
        try move(stage: stage, record: record)
        return record
    }
}
