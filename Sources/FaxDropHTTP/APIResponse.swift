import FaxDropCore
import Foundation

/// One HTTP answer, before it meets the wire.
public struct APIResponse: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    /// Close the connection after this answer (the request body was not read to its end).
    public var closeConnection = false

    public init(status: Int, contentType: String, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    public static func json(_ status: Int, _ object: some Encodable) -> APIResponse {
        let data = (try? JSONEncoder.faxdrop(pretty: false).encode(object)) ?? Data("{}".utf8)
        return APIResponse(status: status, contentType: "application/json", body: Array(data) + [10])
    }

    /// `{"error": {"code": ..., "message": ...}}`. `code` is a sidecar code (`ErrorCode`)
    /// where one applies, otherwise one of `APIErrorCode`.
    public static func error(_ status: Int, _ code: String, _ message: String) -> APIResponse {
        json(status, ErrorBody(error: .init(code: code, message: message)))
    }

    public static func error(_ status: Int, _ code: ErrorCode, _ message: String) -> APIResponse {
        error(status, code.rawValue, message)
    }

    public static func error(_ status: Int, _ code: APIErrorCode, _ message: String) -> APIResponse {
        error(status, code.rawValue, message)
    }

    public func closing() -> APIResponse {
        var copy = self
        copy.closeConnection = true
        return copy
    }

    struct ErrorBody: Encodable {
        struct Inner: Encodable {
            var code: String
            var message: String
        }
        var error: Inner
    }
}

/// Codes of HTTP answers that are about the request, not a document or a call: they never
/// appear in a sidecar. Document problems answer with the sidecar's own codes
/// (`invalid_destination`, `file_too_large`, `unsupported_format`, `empty_file`).
public enum APIErrorCode: String, Sendable, CaseIterable {
    /// No `X-API-Key`, a wrong one, or `API_KEY` is not set (then every `/fax` request gets it).
    case unauthorized
    /// The request is not `multipart/form-data` with the fields `to` and `file`.
    case badRequest = "bad_request"
    case unsupportedMediaType = "unsupported_media_type"
    case notFound = "not_found"
    case methodNotAllowed = "method_not_allowed"
    /// The document could not be queued (the spool is full or not writable).
    case spoolUnavailable = "spool_unavailable"
    /// `FAXDROP_HTTP_MAX_CONNECTIONS` connections are open already.
    case tooManyConnections = "too_many_connections"
}
