import Foundation

/// What to list from the job index: filters, then one page of the newest first.
public struct JobIndexQuery: Sendable, Equatable {
    public static let defaultPerPage = 50
    public static let maxPerPage = 200

    /// Empty = any. `JobState` raw values for live jobs (`claiming`, `queued`, `converting`,
    /// `waiting`, `dialing`, `sending`) and `sent` / `failed` for ended jobs.
    public var states: Set<String>
    /// Destination digits containing these digits (a `+` or spaces are ignored).
    public var number: String?
    /// The original file name or the job id containing this, case-insensitive (ASCII).
    public var text: String?
    /// The exact error code.
    public var errorCode: String?
    /// `queued_at >= from`.
    public var from: Date?
    /// `queued_at < to`.
    public var to: Date?
    /// 1-based.
    public var page: Int
    /// Default 50, at most 200.
    public var perPage: Int

    public init(
        states: Set<String> = [], number: String? = nil, text: String? = nil, errorCode: String? = nil,
        from: Date? = nil, to: Date? = nil, page: Int = 1, perPage: Int = 50
    ) {
        self.states = states
        self.number = number
        self.text = text
        self.errorCode = errorCode
        self.from = from
        self.to = to
        self.page = page
        self.perPage = perPage
    }

    /// `page` at least 1; `perPage` within 1...200.
    public var clampedPage: Int { max(1, page) }
    public var clampedPerPage: Int { min(Self.maxPerPage, max(1, perPage)) }
}
