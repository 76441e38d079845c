import Foundation

/// Where a job is in its life (SPEC §2).
public enum JobState: String, Codable, Sendable, CaseIterable {
    /// The journal is written; the document is being renamed in. A job found in this state
    /// at start-up without its document was never claimed and is dropped (nothing to lose).
    case claiming
    case queued
    case converting
    /// Rendered; waiting for a concurrency slot, a retry time or Asterisk.
    case waiting
    case dialing
    case sending
    case done
    case failed

    public var isFinal: Bool { self == .done || self == .failed }
    /// A call may be live in these states; after a crash it must be reconciled.
    public var isInCall: Bool { self == .dialing || self == .sending }
}

/// The journal of one job, `active/<job-id>/job.json`, rewritten atomically at every
/// transition. Everything needed to resume the job after a crash is here.
public struct JobRecord: Codable, Sendable, Equatable {
    public static let schemaID = "faxdrop.job/v1"

    public var schema: String = JobRecord.schemaID
    public var jobID: JobID
    public var state: JobState
    /// The destination folder's name as found (validated when the job is queued).
    public private(set) var destination: String
    /// `destination` parsed, once, when the record was made (or, for a journal written before
    /// the number was stored, when it was read: `JobRecord.decode`); `nil` when it is not an
    /// E.164 number, a job the scheduler fails `invalid_destination`.
    public private(set) var number: E164Number?
    /// The document's name in `active/<job-id>/` and in the sidecar's `original_name`.
    public var originalName: String
    /// The document's file name inside `active/<job-id>/`.
    public var documentFile: String
    public var bytes: Int64
    public var sha256: String
    public var format: DocumentFormat?
    /// The document's modification time (ns since 1970) when `bytes` and `sha256` were
    /// taken; a different one later means it was written to after the claim.
    public var documentModified: Int64?
    public var fax: Sidecar.Fax
    /// Pages of the rendered image; `nil` until rendered.
    public var pagesTotal: Int?
    /// Encoded bytes of each rendered page.
    public var pageBytes: [Int]
    /// Pages the far end confirmed, over all attempts (a resumed send adds to it).
    public var pagesSent: Int
    public var attempts: [AttemptRecord]
    public var queuedAt: Date
    /// Not before this time: the retry delay of the last failure.
    public var notBefore: Date?
    /// The cause that set `notBefore` (the last retryable failure).
    public var lastError: FaxErrorRecord?
    public var retryOf: JobID?
    /// Set by `faxdrop cancel`; the daemon ends the job `cancelled` at the next chance.
    public var cancelRequested: Bool
    /// The recipient's name: the destination folder's label, or the submitter's word.
    public var recipientName: String?
    /// Options from the folder's `.faxdrop` file or the submission (optional in journals).
    public var options: JobOptions?
    /// Why the folder's `.faxdrop` file is invalid: the job fails `invalid_options`.
    public var optionsProblem: String?
    /// Not dialled before this time (`send_at`); the kill time counts from it.
    public var sendAt: Date?
    /// The jobs of one submission to several numbers share it.
    public var batchID: String?
    /// The documents after the first, faxed after it in order; `nil` for a job of one.
    public var moreDocuments: [JobDocument]?
    /// When the job may first be dialled: its `send_at`, or its queueing.
    public var earliestStart: Date { max(queuedAt, sendAt ?? queuedAt) }
    /// `high` goes ahead of `normal`, `normal` ahead of `low`.
    public var priority: JobPriority { options?.priority ?? .normal }

    public init(
        jobID: JobID, state: JobState, destination: String, originalName: String, documentFile: String,
        bytes: Int64 = 0, sha256: String = "", format: DocumentFormat? = nil, fax: Sidecar.Fax,
        queuedAt: Date, retryOf: JobID? = nil
    ) {
        self.jobID = jobID
        self.state = state
        self.destination = destination
        self.number = E164Number(destination)
        self.originalName = originalName
        self.documentFile = documentFile
        self.bytes = bytes
        self.sha256 = sha256
        self.format = format
        self.fax = fax
        self.pagesTotal = nil
        self.pageBytes = []
        self.pagesSent = 0
        self.attempts = []
        self.queuedAt = queuedAt
        self.notBefore = nil
        self.lastError = nil
        self.retryOf = retryOf
        self.cancelRequested = false
    }

    enum CodingKeys: String, CodingKey {
        case schema
        case jobID = "job_id"
        case state, destination, number
        case originalName = "original_name"
        case documentFile = "document_file"
        case bytes, sha256, format, fax
        case documentModified = "document_modified"
        case pagesTotal = "pages_total"
        case pageBytes = "page_bytes"
        case pagesSent = "pages_sent"
        case attempts
        case queuedAt = "queued_at"
        case notBefore = "not_before"
        case lastError = "last_error"
        case retryOf = "retry_of"
        case cancelRequested = "cancel_requested"
        case recipientName = "recipient_name"
        case options
        case optionsProblem = "options_problem"
        case sendAt = "send_at"
        case batchID = "batch_id"
        case moreDocuments = "more_documents"
    }
}

extension JobRecord {
    /// Reads a journal. One written before the parsed number was stored beside the
    /// destination (only `"destination": "+1…"`) gets its number parsed here, once.
    public static func decode(from data: Data) throws -> JobRecord {
        var record = try JSONDecoder.faxdrop().decode(JobRecord.self, from: data)
        if record.number == nil { record.number = E164Number(record.destination) }
        return record
    }
}

/// A `FaxError` as the journal stores it.
public struct FaxErrorRecord: Codable, Sendable, Equatable {
    public var code: ErrorCode
    public var message: String
    public init(_ error: FaxError) {
        self.code = error.code
        self.message = error.message
    }
    public init(code: ErrorCode, message: String) { self.init(FaxError(code, message)) }
    public var error: FaxError { FaxError(code, message) }
}
