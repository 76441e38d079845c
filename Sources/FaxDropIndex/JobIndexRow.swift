import Foundation

/// One job as the index holds it: an ended job from its sidecar, a live one from its journal.
public struct JobIndexRow: Sendable, Codable, Equatable {
    /// The job id (ULID text).
    public var id: String
    /// E.164 `+1555…` (the folder's name as found when the job failed for it).
    public var destination: String
    public var originalName: String
    /// As in `JobIndexQuery.states`.
    public var state: String
    public var errorCode: String?
    public var errorMessage: String?
    public var pagesTotal: Int?
    public var pagesSent: Int?
    public var attempts: Int
    public var queuedAt: Date
    public var completedAt: Date?
    /// The next attempt's time while waiting.
    public var notBefore: Date?
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, destination
        case originalName = "original_name"
        case state
        case errorCode = "error_code"
        case errorMessage = "error_message"
        case pagesTotal = "pages_total"
        case pagesSent = "pages_sent"
        case attempts
        case queuedAt = "queued_at"
        case completedAt = "completed_at"
        case notBefore = "not_before"
        case updatedAt = "updated_at"
    }

    /// Whether the row mirrors a sidecar (`sent` or `failed`) rather than a journal.
    public var isEnded: Bool { state == "sent" || state == "failed" }
}

/// One page of a search.
public struct JobIndexPage: Sendable, Equatable {
    /// Newest first (`queued_at` desc, then id desc).
    public var rows: [JobIndexRow]
    /// Rows matching the query, over all pages.
    public var total: Int
    public var page: Int
    public var perPage: Int

    public init(rows: [JobIndexRow], total: Int, page: Int, perPage: Int) {
        self.rows = rows
        self.total = total
        self.page = page
        self.perPage = perPage
    }
}
