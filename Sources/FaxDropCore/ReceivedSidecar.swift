import Foundation

/// The sidecar of a received fax, `incoming/<folder>/<id>.json` (SPEC §10), schema
/// `faxdrop.received/v1`; `etc/faxdrop-received.schema.json` is its JSON Schema. Written
/// last and atomically: when it exists the PDF beside it (if any) is whole.
@PublicInit
public struct ReceivedSidecar: Codable, Sendable, Equatable {
    public static let schemaID = "faxdrop.received/v1"

    public enum Status: String, Codable, Sendable {
        /// Every page came and the far end ended the fax cleanly.
        case received
        /// The fax failed after some pages came: those pages are in the PDF.
        case partial
        /// Nothing usable came (not a fax, hung up, negotiation failed).
        case failed
    }

    /// Filled in as the lander gets to each file: `Document()` is the one of a fax of which
    /// nothing is kept yet.
    public struct Document: Codable, Sendable, Equatable {
        /// `<id>.pdf`; nil when no page came.
        @ExplicitNull public var storedAs: String? = nil
        public var bytes: Int64 = 0
        public var sha256 = ""
        /// `<id>.tif` when the received TIFF is kept beside the PDF (`FAXDROP_INCOMING_KEEP_TIFF`,
        /// or when it could not be converted).
        @ExplicitNull public var tiff: String? = nil
        public var tiffBytes: Int64 = 0

        public init() {}

        enum CodingKeys: String, CodingKey {
            case storedAs = "stored_as"
            case bytes, sha256, tiff
            case tiffBytes = "tiff_bytes"
        }
    }

    @PublicInit
    public struct Fax: Codable, Sendable, Equatable {
        /// `T38` or `audio`; nil when the fax never started.
        @ExplicitNull public var mode: String?
        @ExplicitNull public var bitRate: Int?
        /// `fine` / `normal` from the first page, else nil.
        @ExplicitNull public var resolution: String?
        @ExplicitNull public var durationSeconds: Int?
        @ExplicitNull public var hangupCause: Int?

        enum CodingKeys: String, CodingKey {
            case mode
            case bitRate = "bit_rate"
            case resolution
            case durationSeconds = "duration_seconds"
            case hangupCause = "hangup_cause"
        }
    }

    @PublicInit
    public struct Pages: Codable, Sendable, Equatable {
        /// Pages in the PDF (read from the received file).
        public var received: Int
        /// Pages Asterisk reported (FAXPAGES).
        public var reported: Int
    }

    @PublicInit
    public struct Failure: Codable, Sendable, Equatable {
        public var code: ErrorCode
        /// For people: FaxDrop's words, then Asterisk's status text (sanitised).
        public var message: String
        /// Asterisk's FAXERROR, sanitised.
        public var asteriskError: String

        enum CodingKeys: String, CodingKey {
            case code, message
            case asteriskError = "asterisk_error"
        }
    }

    public var schema: String = Self.schemaID
    public var id: JobID
    public var status: Status
    /// The validated DID; nil when the dialled number was not one.
    @ExplicitNull public var did: String?
    /// The folder under `incoming/` (the DID, a route's name, or `unknown`).
    public var folder: String
    /// Sanitised caller number and sender station id.
    public var caller: String
    public var remoteStationID: String
    public var pages: Pages
    public var document: Document
    public var fax: Fax
    @ExplicitNull public var error: Failure?
    /// Asterisk's id of the call (`UNIQUEID`), when valid.
    @ExplicitNull public var receiveID: String?
    public var receivedAt: Date
    public var completedAt: Date
    public var gateway: Sidecar.Gateway
    /// The Asterisk node of `FAXDROP_ASTERISK_NODES` the fax came in on; absent (nil) with
    /// a single node.
    public var node: String?

    enum CodingKeys: String, CodingKey {
        case schema, id, status, did, folder, caller
        case remoteStationID = "remote_station_id"
        case pages, document, fax, error
        case receiveID = "receive_id"
        case receivedAt = "received_at"
        case completedAt = "completed_at"
        case gateway, node
    }
}
