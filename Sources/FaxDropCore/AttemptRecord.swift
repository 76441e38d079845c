import Foundation

/// One call attempt, as the journal and the sidecar record it (SPEC §3 `attempts`).
@PublicInit
public struct AttemptRecord: Codable, Sendable, Equatable {
    public var number: Int
    public var startedAt: Date
    /// `nil` while the call is in flight.
    public var endedAt: Date?
    /// `sent`, or the attempt's error code; `nil` while in flight.
    public var outcome: String?
    public var pagesSent: Int = 0
    /// The first page (1-based) this attempt sent; above 1 when resuming a partial send.
    public var firstPage: Int = 1
    public var message: String?
    public var details: CallDetails = CallDetails()
    /// The Asterisk node that carried the call, when several are configured (issue 14).
    public var node: String?

    enum CodingKeys: String, CodingKey {
        case number
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case outcome
        case pagesSent = "pages_sent"
        case firstPage = "first_page"
        case message
        case details = "asterisk"
        case node
    }
}
