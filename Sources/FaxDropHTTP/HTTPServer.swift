import FaxDropCore
import FaxDropDaemon
import FaxDropSystem
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The daemon's one HTTP server (SPEC §8), on Hummingbird 2, as a daemon service: the API
/// routes of `HTTPRoutes` (`POST /fax`, `GET /fax/{id}`, `GET /inbound…`, `GET /metrics`,
/// `GET /healthz`) and whatever `HTTPRoutes.mounts` add, on one `Router<FaxDropRequestContext>`.
/// Uploads are parsed as they stream in, so an oversized or unauthorised upload is refused
/// before its body is read.
///
/// Slow or many clients cannot starve the daemon: at most `limits.maxConnections` are served
/// at once (one more gets `503` and is closed), fewer if the descriptor limit needs it, so
/// that `descriptorReserve` descriptors always stay for the intake; a request head must
/// arrive within `limits.headerTimeout`, and a connection that sends nothing for
/// `limits.idleTimeout` in the middle of a request, or between requests, is closed. When
/// `accept` itself fails for want of descriptors (EMFILE, ENFILE), NIO's
/// `AcceptBackoffHandler`, which `ServerBootstrap` installs on the listening channel, waits
/// a second before accepting again instead of spinning.
///
/// `start()` returns once the port is bound; `run()` serves until its task is cancelled,
/// the shape of a service-lifecycle `Service`.
public final class HTTPServer: DaemonService {
    public let serviceName = "http"
    public let host: String
    public let port: Int
    public let limits: Limits
    private let routes: HTTPRoutes
    private let logger: Logger
    private let running = Mutex<Running?>(nil)

    struct Running {
        var listener: any Channel
        var task: Task<Void, Never>
        var port: Int
        var connections: ConnectionLimit
    }

    /// `FAXDROP_HTTP_MAX_CONNECTIONS`, `FAXDROP_HTTP_HEADER_TIMEOUT`, `FAXDROP_HTTP_IDLE_TIMEOUT`.
    public struct Limits: Sendable {
        public var maxConnections: Int
        public var headerTimeout: Duration
        public var idleTimeout: Duration

        public init(
            maxConnections: Int = 64, headerTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(60)
        ) {
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

    /// How long a connection answered early (`Connection: close`: a refused upload, a wrong
    /// method) may go on sending before it is closed; what it sends meanwhile is read and
    /// dropped, so that it sees the answer instead of a reset connection.
    static let closingLinger = TimeAmount.seconds(2)

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
                metadata: [
                    "configured": "\(limits.maxConnections)", "cap": "\(cap)", "open_files_limit": "\(openFiles)",
                ])
        }
        let connections = ConnectionLimit(maximum: cap)
        let (started, starting) = AsyncStream<Result<any Channel, any Error>>.makeStream()
        let server = try makeServer(connections: connections) { listener in
            starting.yield(.success(listener))
        }
        let task = Task {
            do {
                try await server()
            } catch {
                starting.yield(.failure(error))
                logger.error("the HTTP server stopped", metadata: ["error": "\(error)"])
            }
            starting.finish()
        }
        var outcome: Result<any Channel, any Error>?
        for await first in started {
            outcome = first
            break
        }
        guard case .success(let listener) = outcome else {
            task.cancel()
            await task.value
            if case .failure(let error) = outcome { throw error }
            throw CancellationError()
        }
        let bound = listener.localAddress?.port ?? port
        running.withLock { $0 = Running(listener: listener, task: task, port: bound, connections: connections) }
        logger.info(
            "HTTP API listening", metadata: ["host": "\(host)", "port": "\(bound)", "max_connections": "\(cap)"])
    }

    /// Serves until the calling task is cancelled, then stops.
    public func run() async throws {
        try await start()
        guard let task = running.withLock({ $0?.task }) else { return }
        await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
        await stop()
    }

    /// The Hummingbird server, not yet running: HTTP/1.1 connections under the limits,
    /// answered by the router that `routes` fill.
    private func makeServer(
        connections: ConnectionLimit, onRunning: @escaping @Sendable (any Channel) async -> Void
    ) throws -> @Sendable () async throws -> Void {
        let logger = self.logger
        let router = Router(context: FaxDropRequestContext.self)
        routes.addRoutes(to: router, logger: logger)
        let responder = router.buildResponder()
        let cap = connections.maximum
        let http1 = HTTP1Channel.Configuration(idleTimeout: TimeAmount(limits.idleTimeout))
        let guards = (refusal: Self.refusal(cap: cap), headerTimeout: TimeAmount(limits.headerTimeout))
        let builder = HTTPServerBuilder { respond in
            LimitedHTTP1Channel(
                http1: HTTP1Channel(responder: respond, configuration: http1), connections: connections,
                refusal: guards.refusal, linger: HTTPServer.refusalLinger, headerTimeout: guards.headerTimeout
            ) { first in
                if first {
                    logger.warning("too many HTTP connections; refusing new ones with 503", metadata: ["max": "\(cap)"])
                }
            }
        }
        // Hummingbird's own lines are noise beside the daemon's: start and stop, and an
        // "Already closed" error at each stop (the listener is closed before the task is
        // cancelled). A server that cannot run throws, and `start` logs and reports that.
        var serverLogger = logger
        serverLogger.logLevel = max(logger.logLevel, .critical)
        let server = try builder.buildServer(
            configuration: ServerConfiguration(address: .hostname(host, port: port), backlog: 64, reuseAddress: true),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: serverLogger,
            responder: { request, writer, channel in
                let context = FaxDropRequestContext(
                    source: ApplicationRequestContextSource(channel: channel, logger: logger))
                let response: Response
                do {
                    response = try await HTTPExchange.$channel.withValue(channel) {
                        try await responder.respond(to: request, context: context)
                    }
                } catch {
                    // Only a client that went away mid-request gets here: nobody to answer.
                    logger.debug("HTTP request ended", metadata: ["error": "\(error)"])
                    channel.close(promise: nil)
                    return
                }
                try await writer.write(response: response.head, body: response.body)
                if response.headers[.connection] == "close" {
                    // The client reads the answer and closes; one that goes on sending
                    // is cut off after a moment.
                    channel.eventLoop.scheduleTask(in: HTTPServer.closingLinger) { channel.close(promise: nil) }
                }
                logger.debug(
                    "HTTP",
                    metadata: [
                        "method": "\(request.method)", "uri": "\(request.uri)", "status": "\(response.status.code)",
                    ])
            },
            onServerRunning: onRunning)
        return { try await server.run() }
    }

    /// The whole answer a connection beyond the cap gets, bytes on the wire.
    static func refusal(cap: Int) -> [UInt8] {
        let response = APIResponse.error(
            503, .tooManyConnections, "more than \(cap) HTTP connections are open; try again")
        let head =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: \(response.contentType)\r\n"
            + "Content-Length: \(response.body.count)\r\nRetry-After: 1\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
        return Array(head.utf8) + response.body
    }

    /// Serves until the daemon stops; throws if the listener ends before that.
    public func serve() async throws {
        guard let task = running.withLock({ $0?.task }) else { throw HTTPServerEnded() }
        if await untilShutdown(orEndOf: task) { throw HTTPServerEnded() }
    }

    public func stop() async {
        guard
            let current = running.withLock({ r -> Running? in
                defer { r = nil }
                return r
            })
        else { return }
        try? await current.listener.close()
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
    /// `GET /fax?…` (with its query string), behind the API key; `nil`: 405, as before
    /// there was a job list.
    public var list: (@Sendable (_ query: String) async -> APIResponse)?
    /// More routes (the web console), applied after the API routes. The API's paths are
    /// taken: `/fax`, `/fax/…`, `/inbound…`, `/metrics`, `/healthz`.
    public var mounts: [@Sendable (Router<FaxDropRequestContext>) -> Void] = []

    public init(
        api: FaxAPI, metrics: @escaping @Sendable () async -> String,
        health: @escaping @Sendable () async -> APIResponse,
        inbound: InboundAPI? = nil, faxList: FaxListAPI? = nil
    ) {
        self.api = api
        self.metrics = metrics
        self.health = health
        self.inbound = inbound
        if let faxList {
            self.list = { @Sendable query in await faxList.list(query: query) }
        }
    }
}

/// The HTTP listener ended while the daemon was running.
public struct HTTPServerEnded: Error, CustomStringConvertible {
    public var description: String { "the HTTP server stopped accepting connections" }
}
