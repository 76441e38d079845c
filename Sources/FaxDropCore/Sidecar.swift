import Foundation

/// The result file `done/<job-id>.json` / `failed/<job-id>.json` (SPEC §3), schema
/// `faxdrop.result/v1`. `etc/faxdrop-result.schema.json` is its JSON Schema.
@PublicInit
public struct Sidecar: Codable, Sendable, Equatable {
    public static let schemaID = "faxdrop.result/v1"

    public enum Status: String, Codable, Sendable {
        case sent, failed
    }

    @PublicInit
    public struct Document: Codable, Sendable, Equatable {
        public var originalName: String
        /// The original's file name beside the sidecar: `<job-id>.<ext>`, never `.json`;
        /// `nil` when nothing was kept (a link, FIFO, socket or device).
        @ExplicitNull public var storedAs: String?
        public var bytes: Int64
        public var sha256: String
        /// `nil` when the content is no accepted format.
        @ExplicitNull public var format: DocumentFormat?

        enum CodingKeys: String, CodingKey {
            case originalName = "original_name"
            case storedAs = "stored_as"
            case bytes, sha256, format
        }
    }

    @PublicInit
    public struct Pages: Codable, Sendable, Equatable {
        public var total: Int
        public var sent: Int
    }

    @PublicInit
    public struct Fax: Codable, Sendable, Equatable {
        public var resolution: Resolution
        public var paper: Paper
        public var header: String
        public var localStationID: String

        enum CodingKeys: String, CodingKey {
            case resolution, paper, header
            case localStationID = "local_station_id"
        }
    }

    public struct Failure: Codable, Sendable, Equatable {
        public var code: ErrorCode
        public var message: String
        public var retryable: Bool
        public var stage: ErrorStage

        public init(_ error: FaxError) {
            self.code = error.code
            self.message = error.message
            self.retryable = error.code.isRetryable
            self.stage = error.code.stage
        }
    }

    @PublicInit
    public struct Gateway: Codable, Sendable, Equatable {
        public var host: String
        public var version: String
    }

    /// Who the fax is for: the dialled number and, when a folder label or a job named
    /// one, the recipient's name.
    @PublicInit
    public struct Recipient: Codable, Sendable, Equatable {
        public var number: String
        public var name: String?
    }

    public var schema: String = Sidecar.schemaID
    public var jobID: JobID
    public var status: Status
    /// The destination as the folder named it (not E.164 when the job failed for that).
    public var destination: String
    public var document: Document
    public var pages: Pages
    public var fax: Fax
    public var attempts: [AttemptRecord]
    @ExplicitNull public var error: Failure?
    public var queuedAt: Date
    public var completedAt: Date
    public var gateway: Gateway
    /// The failed job this one retries (`faxdrop retry`), if any.
    @ExplicitNull public var retryOf: JobID?
    /// Optional (absent in older sidecars): who the fax is for.
    public var recipient: Recipient?
    /// Optional: the job's options from its folder's `.faxdrop` file or its submission.
    public var options: JobOptions?
    /// Optional: not dialled before this time.
    public var sendAt: Date?
    /// Optional: the jobs of one submission to several numbers share it.
    public var batchID: String?
    /// Optional: every document of a job that faxed several, in order (the first is also
    /// `document`); absent for a job of one document.
    public var documents: [Document]?

    enum CodingKeys: String, CodingKey {
        case schema
        case jobID = "job_id"
        case status, destination, document, pages, fax, attempts, error
        case queuedAt = "queued_at"
        case completedAt = "completed_at"
        case gateway
        case retryOf = "retry_of"
        case recipient, options
        case sendAt = "send_at"
        case batchID = "batch_id"
        case documents
    }
}
