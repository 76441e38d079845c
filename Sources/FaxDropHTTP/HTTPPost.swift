import FaxDropCore
import FaxDropDaemon
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 client for one thing: POST a body to an `http://` URL and learn the
/// status. Enough for webhooks; `https://` is not supported (put a local TLS proxy in front).
public struct HTTPPost: Sendable {
    public struct Target: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int
        /// Path and query, at least `/`.
        public var path: String

        /// Parses an `http://host[:port]/path?query` URL; `nil` for anything else.
        public init?(_ text: String) {
            guard let url = URL(string: text), url.scheme?.lowercased() == "http", let host = url.host, !host.isEmpty,
                url.user == nil
            else { return nil }
            self.host = host
            self.port = url.port ?? 80
            var path = url.path.isEmpty ? "/" : url.path
            if let query = url.query { path += "?" + query }
            self.path = path
        }

        var hostHeader: String { port == 80 ? host : "\(host):\(port)" }
        public var description: String { "http://\(hostHeader)\(path)" }
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public var connectTimeout: TimeAmount = .seconds(5)
    /// The whole exchange, from connect to the end of the answer.
    public var timeout: TimeAmount = .seconds(15)

    public init() {}

    /// Sends the POST; returns the answer's status code.
    public func post(_ target: Target, headers extra: [(String, String)], body: [UInt8]) async throws -> Int {
        typealias Connection = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        let connection = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(connectTimeout)
            .connect(host: target.host, port: target.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        // Closing the channel at the deadline ends the exchange below with an error.
        let channel = connection.channel
        let deadline = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        defer { deadline.cancel() }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: target.hostHeader)
        headers.add(name: "User-Agent", value: "FaxDrop/\(FaxDropVersion.string)")
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        for (name, value) in extra { headers.add(name: name, value: value) }
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target.path, headers: headers)
        return try await connection.executeThenClose { inbound, outbound in
            try await outbound.write(contentsOf: [.head(head), .body(.byteBuffer(ByteBuffer(bytes: body))), .end(nil)])
            var status: Int?
            for try await part in inbound {
                switch part {
                case .head(let response) where response.status.code >= 200:
                    status = Int(response.status.code)
                case .head, .body:
                    continue
                case .end:
                    if let status { return status }
                }
            }
            throw Failure(description: "the connection closed before a complete answer")
        }
    }
}
