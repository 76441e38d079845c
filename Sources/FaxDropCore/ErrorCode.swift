/// The stable error codes of FaxDrop. They are the `error.code` of a sidecar (SPEC §3),
/// the codes `faxdrop convert` prints, and the codes the HTTP API answers with.
///
/// Codes are only ever added (with a line in the README's table), never renamed.
public enum ErrorCode: String, Codable, Sendable, CaseIterable {
    case invalidDestination = "invalid_destination"
    case invalidOptions = "invalid_options"
    case destinationBlocked = "destination_blocked"
    case emptyFile = "empty_file"
    case fileTooLarge = "file_too_large"
    case tooManyPages = "too_many_pages"
    case unsupportedFormat = "unsupported_format"
    case encryptedDocument = "encrypted_document"
    case corruptDocument = "corrupt_document"
    case conversionTimeout = "conversion_timeout"
    case conversionFailed = "conversion_failed"
    case notARegularFile = "not_a_regular_file"
    case unreadableFile = "unreadable_file"
    case documentChanged = "document_changed"
    case busy
    case noAnswer = "no_answer"
    case congestion
    case channelUnavailable = "channel_unavailable"
    case rejected
    case unallocatedNumber = "unallocated_number"
    case faxNegotiationFailed = "fax_negotiation_failed"
    case faxTransferFailed = "fax_transfer_failed"
    case timeout
    case interrupted
    case expired
    case cancelled
    case internalError = "internal_error"
    /// Asterisk has no channel driver for the trunk's technology (cause 66): the module did
    /// not load. Every call would fail the same way until an operator fixes Asterisk.
    case channelDriverMissing = "channel_driver_missing"

    /// Where in the pipeline this code arises (the sidecar's `error.stage`).
    public var stage: ErrorStage {
        switch self {
        case .invalidDestination, .invalidOptions, .emptyFile, .fileTooLarge, .unsupportedFormat, .notARegularFile,
            .unreadableFile,
            .documentChanged:
            return .input
        case .tooManyPages, .encryptedDocument, .corruptDocument, .conversionTimeout, .conversionFailed:
            return .conversion
        case .destinationBlocked, .expired, .cancelled:
            return .policy
        case .busy, .noAnswer, .congestion, .channelUnavailable, .rejected, .unallocatedNumber, .timeout,
            .channelDriverMissing:
            return .dial
        case .faxNegotiationFailed, .faxTransferFailed, .interrupted:
            return .fax
        case .internalError:
            return .system
        }
    }

    /// Whether another call attempt may succeed where this one failed (SPEC §2).
    public var isRetryable: Bool {
        switch self {
        case .busy, .noAnswer, .congestion, .channelUnavailable, .faxNegotiationFailed, .faxTransferFailed,
            .timeout, .interrupted:
            return true
        default:
            return false
        }
    }
}

/// The pipeline stage an error belongs to (the sidecar's `error.stage`).
public enum ErrorStage: String, Codable, Sendable, CaseIterable {
    case input, conversion, policy, dial, fax, system
}

/// An error with a stable code, a message for people, and the underlying cause if any.
public struct FaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
