import FaxDropCore
import Foundation
import GRDB

extension JobIndexRow {
    /// An ended job, from its sidecar.
    public init(_ s: Sidecar) {
        self.init(
            id: s.jobID.value, destination: s.recipient?.number ?? s.destination, originalName: s.document.originalName,
            state: s.status.rawValue, errorCode: s.error?.code.rawValue, errorMessage: s.error?.message,
            pagesTotal: s.pages.total, pagesSent: s.pages.sent, attempts: s.attempts.count, queuedAt: s.queuedAt,
            completedAt: s.completedAt, notBefore: nil, updatedAt: s.completedAt)
    }

    /// A live job, from its journal. A journal already final (its sidecar not yet written)
    /// shows the sidecar's status.
    public init(_ r: JobRecord, now: Date) {
        let state: String
        switch r.state {
        case .done: state = "sent"
        case .failed: state = "failed"
        default: state = r.state.rawValue
        }
        self.init(
            id: r.jobID.value, destination: r.destination, originalName: r.originalName, state: state,
            errorCode: r.lastError?.code.rawValue, errorMessage: r.lastError?.message, pagesTotal: r.pagesTotal,
            pagesSent: r.pagesSent, attempts: r.attempts.count, queuedAt: r.queuedAt, completedAt: nil,
            notBefore: r.notBefore, updatedAt: now)
    }

    init(row: Row) {
        self.init(
            id: row["id"], destination: row["destination"], originalName: row["original_name"], state: row["state"],
            errorCode: row["error_code"], errorMessage: row["error_message"], pagesTotal: row["pages_total"],
            pagesSent: row["pages_sent"], attempts: row["attempts"],
            queuedAt: Date(timeIntervalSince1970: row["queued_at"]),
            completedAt: (row["completed_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            notBefore: (row["not_before"] as Double?).map(Date.init(timeIntervalSince1970:)),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
    }

    /// The columns in `JobIndex.columns` order; `ended` is 1 for a sidecar's row.
    func databaseValues(fromSidecar: Bool) -> [(any DatabaseValueConvertible)?] {
        [
            id, destination, JobIndex.Filter.digits(destination), originalName, state, fromSidecar ? 1 : 0, errorCode,
            errorMessage,
            pagesTotal, pagesSent, attempts, queuedAt.timeIntervalSince1970, completedAt?.timeIntervalSince1970,
            notBefore?.timeIntervalSince1970, updatedAt.timeIntervalSince1970,
        ]
    }
}
