import FaxDropCore
import Foundation

/// The few sidecar fields the index keeps, decoded without the rest (a rebuild reads
/// every sidecar). Unknown error codes are kept as text.
struct SidecarSummary: Decodable {
    struct Document: Decodable {
        var originalName: String
        enum CodingKeys: String, CodingKey { case originalName = "original_name" }
    }
    struct Pages: Decodable {
        var total: Int
        var sent: Int
    }
    struct Failure: Decodable {
        var code: String
        var message: String
    }
    struct Recipient: Decodable {
        var number: String
    }
    struct Skipped: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    var jobID: String
    var status: String
    var destination: String
    var recipient: Recipient?
    var document: Document
    var pages: Pages
    var attempts: [Skipped]
    var error: Failure?
    var queuedAt: Date
    var completedAt: Date

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id"
        case status, destination, recipient, document, pages, attempts, error
        case queuedAt = "queued_at"
        case completedAt = "completed_at"
    }

    var row: JobIndexRow {
        JobIndexRow(
            id: jobID, destination: recipient?.number ?? destination, originalName: document.originalName, state: status,
            errorCode: error?.code, errorMessage: error?.message, pagesTotal: pages.total, pagesSent: pages.sent,
            attempts: attempts.count, queuedAt: queuedAt, completedAt: completedAt, notBefore: nil, updatedAt: completedAt)
    }
}
