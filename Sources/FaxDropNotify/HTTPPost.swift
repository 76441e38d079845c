import CCurl
import FaxDropCore
import FaxDropDaemon
import Foundation
import NIOPosix

/// A minimal HTTP client for one thing: POST a body to an `http://` or `https://` URL and
/// learn the status. Built on libcurl (Debian's, through `CCurl`), so `https://` verifies the
/// server with the system's CA store, or with `caFile` when one is configured. Redirects are
/// not followed and only http and https are spoken. A transfer blocks a thread of NIO's
/// blocking-I/O pool, never a Swift concurrency thread, and is bounded by `timeout`.
public struct HTTPPost: Sendable {
    public struct Target: Sendable, Equatable, CustomStringConvertible {
        public var secure: Bool
        public var host: String
        public var port: Int
        /// Path and query, at least `/`.
        public var path: String

        /// Parses an `http[s]://host[:port]/path?query` URL; `nil` for anything else
        /// (another scheme, user information in the URL).
        public init?(_ text: String) {
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
                scheme == "http" || scheme == "https",
                let host = url.host, !host.isEmpty, url.user == nil
            else { return nil }
            secure = scheme == "https"
            self.host = host
            self.port = url.port ?? (secure ? 443 : 80)
            var path = url.path.isEmpty ? "/" : url.path
            if let query = url.query { path += "?" + query }
            self.path = path
        }

        var hostAndPort: String {
            let name = host.contains(":") ? "[\(host)]" : host
            return port == (secure ? 443 : 80) ? name : "\(name):\(port)"
        }
        public var description: String { "\(secure ? "https" : "http")://\(hostAndPort)\(path)" }
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public var connectTimeout: Duration = .seconds(5)
    /// The whole exchange, from connect to the end of the answer.
    public var timeout: Duration = .seconds(15)
    /// PEM file of the CAs trusted for `https://` (`FAXDROP_WEBHOOK_CA_FILE`); `nil`: the system's store.
    public var caFile: String?

    public init(caFile: String? = nil) {
        self.caFile = caFile
    }

    /// Sends the POST; returns the answer's status code.
    public func post(_ target: Target, headers extra: [(String, String)], body: [UInt8]) async throws -> Int {
        let request = self
        return try await NIOThreadPool.singleton.runIfActive {
            try request.perform(target, headers: extra, body: body)
        }
    }

    private static let initialised: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    /// One blocking transfer (`curl_easy_perform`).
    private func perform(_ target: Target, headers extra: [(String, String)], body: [UInt8]) throws -> Int {
        guard Self.initialised == CURLE_OK, let handle = curl_easy_init() else {
            throw Failure(description: "libcurl could not be initialised")
        }
        defer { curl_easy_cleanup(handle) }
        var list: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(list) }
        // No `Expect: 100-continue` round trip for a small body.
        for line in ["User-Agent: FaxDrop/\(FaxDropVersion.string)", "Connection: close", "Expect:"]
            + extra.map({ "\($0.0): \($0.1)" })
        {
            guard let appended = curl_slist_append(list, line) else { throw Failure(description: "out of memory") }
            list = appended
        }
        var errorText = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code: CURLcode = errorText.withUnsafeMutableBufferPointer { errorBuffer in
            var settings: [CURLcode] = [
                faxdrop_curl_setopt_string(handle, CURLOPT_URL, target.description),
                faxdrop_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"),
                faxdrop_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0),
                faxdrop_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1),
                faxdrop_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(connectTimeout)),
                faxdrop_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(timeout)),
                faxdrop_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1),
                faxdrop_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2),
                faxdrop_curl_setopt_long(handle, CURLOPT_POST, 1),
                faxdrop_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)),
                faxdrop_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, list),
                faxdrop_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer.baseAddress),
                faxdrop_curl_discard_body(handle),
            ]
            if let caFile { settings.append(faxdrop_curl_setopt_string(handle, CURLOPT_CAINFO, caFile)) }
            if let failed = settings.first(where: { $0 != CURLE_OK }) { return failed }
            // Copied by libcurl (`POSTFIELDSIZE` bytes), so they need not outlive this call.
            let payload = body.isEmpty ? [0] : body
            let copied = payload.withUnsafeBytes { raw in
                faxdrop_curl_setopt_pointer(
                    handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress))
            }
            if copied != CURLE_OK { return copied }
            return curl_easy_perform(handle)
        }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw Failure(description: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail)
        }
        var status = 0
        guard faxdrop_curl_response_code(handle, &status) == CURLE_OK, status >= 200 else {
            throw Failure(description: "no complete answer")
        }
        return status
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
