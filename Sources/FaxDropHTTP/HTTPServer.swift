import FaxDropCore
import FaxDropDaemon
import FaxDropSystem
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The HTTP API (SPEC §8) on NIOHTTP1, as a daemon service: `POST /fax`, `GET /fax/{id}`,
/// `GET /metrics`, `GET /healthz`. Each connection is served by one task reading request
/// parts in order; uploads are parsed as they stream in, so an oversized or unauthorised
/// upload is refused before its body is read.
///
/// Slow or many clients cannot starve the daemon: at most `limits.maxConnections` are served
/// at once (one more gets `503` and is closed), fewer if the descriptor limit needs it, so
/// that `descriptorReserve` descriptors always stay for the intake; a request head must
/// arrive within `limits.headerTimeout`, and a connection that sends nothing for
/// `limits.idleTimeout` is closed. When `accept` itself fails for want of descriptors
/// (EMFILE, ENFILE), NIO's `AcceptBackoffHandler`, which `bind` installs on the listening
/// channel, waits a second before accepting again instead of spinning.
public final class HTTPServer: DaemonService {
    public let serviceName = "http"
    public let host: String
    public let port: Int
    public let limits: Limits
    private let routes: HTTPRoutes
    private let logger: Logger
    private let running = Mutex<Running?>(nil)

    struct Running {
        var channel: any Channel
        var task: Task<Void, Never>
        var port: Int
        var connections: ConnectionLimit
    }

    /// `FAXDROP_HTTP_MAX_CONNECTIONS`, `FAXDROP_HTTP_HEADER_TIMEOUT`, `FAXDROP_HTTP_IDLE_TIMEOUT`.
    public struct Limits: Sendable {
        public var maxConnections: Int
        public var headerTimeout: Duration
        public var idleTimeout: Duration

        public init(maxConnections: Int = 64, headerTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(60)) {
            self.maxConnections = maxConnections
            self.headerTimeout = headerTimeout
            self.idleTimeout = idleTimeout
        }

        public init(_ configuration: Configuration) {
            self.init(
                maxConnections: configuration.httpMaxConnections, headerTimeout: configuration.httpHeaderTimeout,
                idleTimeout: configuration.httpIdleTimeout)
        }
    }

    /// Descriptors the HTTP API never takes: the intake's (inotify, claims, journals), the
    /// renderer workers' pipes, AMI, logs.
    public static let descriptorReserve = 256

    /// How long a refused connection is given to read its `503` before it is closed.
    static let refusalLinger = TimeAmount.seconds(1)

    /// - Parameter port: 0 binds an ephemeral port; read it from `boundPort` after `start()`.
    public init(host: String, port: Int, limits: Limits = Limits(), routes: HTTPRoutes, logger: Logger) {
        self.host = host
        self.port = port
        self.limits = limits
        self.routes = routes
        self.logger = logger
    }

    /// The port listened on, once started.
    public var boundPort: Int? { running.withLock { $0?.port } }

    /// Connections served now.
    public var openConnections: Int { running.withLock { $0?.connections.open ?? 0 } }

    /// The connection cap in force, once started (`limits.maxConnections`, or fewer to keep
    /// the descriptor reserve).
    public var maxConnections: Int? { running.withLock { $0?.connections.maximum } }

    public func start() async throws {
        typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>
        let logger = self.logger
        let openFiles: UInt64
        do {
            openFiles = try ProcessLimits.raiseOpenFileLimit()
        } catch {
            openFiles = 1024
            logger.warning("cannot read or raise the open files limit", metadata: ["error": "\(error)"])
        }
        let cap = ConnectionLimit.cap(
            configured: limits.maxConnections, openFileLimit: openFiles, reserve: Self.descriptorReserve)
        if cap < limits.maxConnections {
            logger.warning(
                "FAXDROP_HTTP_MAX_CONNECTIONS lowered to keep descriptors for the intake",
                metadata: ["configured": "\(limits.maxConnections)", "cap": "\(cap)", "open_files_limit": "\(openFiles)"])
        }
        let connections = ConnectionLimit(maximum: cap)
        let refusal = Self.refusal(cap: cap)
        let headerTimeout = TimeAmount(limits.headerTimeout)
        let idleTimeout = TimeAmount(limits.idleTimeout)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ConnectionCounter(limit: connections) { first in
                            if first {
                                logger.warning(
                                    "too many HTTP connections; refusing new ones with 503", metadata: ["max": "\(cap)"])
                            }
                        })
                }
            }
            .bind(host: host, port: port) { channel -> EventLoopFuture<Connection?> in
                channel.eventLoop.makeCompletedFuture {
                    if connections.wasRefused(channel) {
                        try channel.pipeline.syncOperations.addHandler(
                            RefuseConnection(response: refusal, linger: HTTPServer.refusalLinger))
                        return nil
                    }
                    try channel.pipeline.syncOperations.addHandlers([
                        IdleStateHandler(readTimeout: idleTimeout), CloseOnIdle(),
                    ])
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RequestHeadTimeout(timeout: headerTimeout))
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        let bound = server.channel.localAddress?.port ?? port
        let routes = self.routes
        let task = Task {
            do {
                try await server.executeThenClose { accepted in
                    try await withThrowingDiscardingTaskGroup { group in
                        for try await connection in accepted {
                            guard let connection else { continue }
                            group.addTask { await HTTPConnection(routes: routes, logger: logger).serve(connection) }
                        }
                    }
                }
            } catch is CancellationError {
            } catch {
                logger.error("the HTTP server stopped", metadata: ["error": "\(error)"])
            }
        }
        running.withLock { $0 = Running(channel: server.channel, task: task, port: bound, connections: connections) }
        logger.info(
            "HTTP API listening", metadata: ["host": "\(host)", "port": "\(bound)", "max_connections": "\(cap)"])
    }

    /// The whole answer a connection beyond the cap gets, bytes on the wire.
    static func refusal(cap: Int) -> [UInt8] {
        let response = APIResponse.error(503, .tooManyConnections, "more than \(cap) HTTP connections are open; try again")
        let head =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: \(response.contentType)\r\n"
            + "Content-Length: \(response.body.count)\r\nRetry-After: 1\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
        return Array(head.utf8) + response.body
    }

    public func stop() async {
        guard let current = running.withLock({ r -> Running? in defer { r = nil }; return r }) else { return }
        try? await current.channel.close()
        current.task.cancel()
        await current.task.value
    }
}

/// What the server answers, route by route.
public struct HTTPRoutes: Sendable {
    public var api: FaxAPI
    public var metrics: @Sendable () async -> String
    public var health: @Sendable () async -> APIResponse
    /// Received faxes (`/inbound…`), behind the same API key.
    public var inbound: InboundAPI?
    /// `GET /fax?…`: the job list from the index, behind the same API key.
    public var faxList: FaxListAPI?

    public init(
        api: FaxAPI, metrics: @escaping @Sendable () async -> String, health: @escaping @Sendable () async -> APIResponse,
        inbound: InboundAPI? = nil, faxList: FaxListAPI? = nil
    ) {
        self.api = api
        self.metrics = metrics
        self.health = health
        self.inbound = inbound
        self.faxList = faxList
    }
}

/// One client connection: requests in order, keep-alive unless the client or an early
/// refusal ends it.
struct HTTPConnection {
    typealias Inbound = NIOAsyncChannelInboundStream<HTTPServerRequestPart>.AsyncIterator
    typealias Outbound = NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>

    let routes: HTTPRoutes
    let logger: Logger

    /// The most body bytes read and dropped for routes that take none.
    static let maxIgnoredBody = 64 * 1024

    func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var parts = inbound.makeAsyncIterator()
                while let part = try await parts.next() {
                    guard case .head(let head) = part else { continue }
                    var reading = RequestReading()
                    let response = try await respond(to: head, &parts, outbound, &reading)
                    try await write(response, for: head, outbound)
                    if response.closeConnection || !head.isKeepAlive {
                        // Read what the client is still sending (up to a bound) so that it
                        // sees the answer instead of a reset connection.
                        // A client waiting for `100 Continue` sends nothing more.
                        let waiting = head.expectsContinue && !reading.continued
                        if !reading.ended && !waiting { try await linger(&parts) }
                        return
                    }
                }
            }
        } catch {
            logger.debug("HTTP connection ended", metadata: ["error": "\(error)"])
        }
    }

    /// Whether the request's `.end` has been read.
    struct RequestReading {
        var ended = false
        /// `100 Continue` was sent.
        var continued = false
    }

    /// The most bytes read and dropped after an early refusal before the connection is closed.
    static let maxLingerBytes = 4 << 20

    private func linger(_ parts: inout Inbound) async throws {
        var seen = 0
        while let part = try await parts.next() {
            switch part {
            case .head, .end: return
            case .body(let buffer):
                seen += buffer.readableBytes
                if seen > Self.maxLingerBytes { return }
            }
        }
    }

    private func respond(
        to head: HTTPRequestHead, _ parts: inout Inbound, _ outbound: Outbound, _ reading: inout RequestReading
    ) async throws -> APIResponse {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        switch (head.method, path) {
        case (.POST, "/fax"):
            return try await upload(head, &parts, outbound, &reading)
        case (.GET, _) where path.hasPrefix("/fax/"):
            guard try await drain(&parts, &reading) else { return .error(413, .badRequest, "a GET has no body").closing() }
            if let refusal = routes.api.authorize(apiKeyHeader: head.headers.first(name: "X-API-Key")) { return refusal }
            return await routes.api.job(String(path.dropFirst(5)))
        case (.GET, _) where routes.inbound != nil && (path == "/inbound" || path.hasPrefix("/inbound/")):
            guard try await drain(&parts, &reading) else { return .error(413, .badRequest, "a GET has no body").closing() }
            if let refusal = routes.api.authorize(apiKeyHeader: head.headers.first(name: "X-API-Key")) { return refusal }
            let query = head.uri.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
            return routes.inbound!.answer(path: path, query: query)
        case (.GET, "/fax") where routes.faxList != nil:
            guard try await drain(&parts, &reading) else { return .error(413, .badRequest, "a GET has no body").closing() }
            if let refusal = routes.api.authorize(apiKeyHeader: head.headers.first(name: "X-API-Key")) { return refusal }
            return await routes.faxList!.list(query: head.uri.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? "")
        case (.GET, "/metrics"):
            guard try await drain(&parts, &reading) else { return .error(413, .badRequest, "a GET has no body").closing() }
            return APIResponse(
                status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: Array(await routes.metrics().utf8))
        case (.GET, "/healthz"):
            guard try await drain(&parts, &reading) else { return .error(413, .badRequest, "a GET has no body").closing() }
            return await routes.health()
        case (_, "/fax"), (_, "/metrics"), (_, "/healthz"):
            return .error(405, .methodNotAllowed, "\(head.method) is not allowed on \(path)").closing()
        default:
            guard try await drain(&parts, &reading) else { return .error(404, .notFound, "no route \(path)").closing() }
            return .error(404, .notFound, "no route \(path)")
        }
    }

    /// `POST /fax`: refused on its headers when it can be, otherwise parsed as it streams.
    private func upload(
        _ head: HTTPRequestHead, _ parts: inout Inbound, _ outbound: Outbound, _ reading: inout RequestReading
    ) async throws -> APIResponse {
        if let refusal = routes.api.authorize(apiKeyHeader: head.headers.first(name: "X-API-Key")) {
            return refusal.closing()
        }
        let length = head.headers.first(name: "Content-Length").flatMap { Int64($0) }
        let boundary: String
        switch routes.api.admitUpload(contentType: head.headers.first(name: "Content-Type"), contentLength: length) {
        case .refuse(let refusal): return refusal.closing()
        case .accept(let b): boundary = b
        }
        if head.expectsContinue {
            try await outbound.write(.head(HTTPResponseHead(version: head.version, status: .continue)))
            reading.continued = true
        }
        // One staged file per `file` part, made as each part begins to carry bytes.
        var staged: [StagedUpload] = []
        var upload = FaxUpload(boundary: boundary, maxBytes: routes.api.maxBytes)
        while let part = try await parts.next() {
            switch part {
            case .head:
                return .error(400, .badRequest, "a request began inside another").closing()
            case .body(let buffer):
                do {
                    try upload.feed(buffer.readableBytesView) { index, data in
                        while staged.count <= index {
                            guard let next = routes.api.stage() else { throw FaxAPI.StagingUnavailable() }
                            staged.append(next)
                        }
                        try staged[index].write(data)
                    }
                } catch .tooLarge {
                    return routes.api.tooLarge().closing()
                } catch .malformed(let why) {
                    return .error(400, .badRequest, "malformed multipart body: \(why)").closing()
                } catch .storage(let why) {
                    logger.error("cannot store an upload", metadata: ["error": "\(why)"])
                    return routes.api.spoolUnavailable().closing()
                }
            case .end:
                reading.ended = true
                do {
                    try upload.finish()
                } catch {
                    return .error(400, .badRequest, "malformed multipart body")
                }
                return await routes.api.submit(upload, staged: staged)
            }
        }
        throw CancellationError()  // the client went away mid-body
    }

    /// Reads a request's body to its end and drops it; `false` when it was too long.
    private func drain(_ parts: inout Inbound, _ reading: inout RequestReading) async throws -> Bool {
        var seen = 0
        while let part = try await parts.next() {
            switch part {
            case .head: return false
            case .body(let buffer):
                seen += buffer.readableBytes
                if seen > Self.maxIgnoredBody { return false }
            case .end:
                reading.ended = true
                return true
            }
        }
        throw CancellationError()
    }

    private func write(_ response: APIResponse, for head: HTTPRequestHead, _ outbound: Outbound) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Cache-Control", value: "no-store")
        if response.closeConnection || !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
        let responseHead = HTTPResponseHead(
            version: head.version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        try await outbound.write(contentsOf: [
            .head(responseHead), .body(.byteBuffer(ByteBuffer(bytes: response.body))), .end(nil),
        ])
        logger.debug(
            "HTTP", metadata: ["method": "\(head.method)", "uri": "\(head.uri)", "status": "\(response.status)"])
    }
}

extension HTTPRequestHead {
    var expectsContinue: Bool { headers.first(name: "Expect")?.lowercased() == "100-continue" }
}

/// Closes a connection when `IdleStateHandler` reports that nothing was read for a while.
final class CloseOnIdle: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
