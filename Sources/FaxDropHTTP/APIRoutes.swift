import FaxDropCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// The API's routes on a Hummingbird router: `POST /fax`, `GET /fax/{id}`, `GET /inbound…`,
/// `GET /metrics`, `GET /healthz`, with the API's own JSON answers for unknown routes (404)
/// and methods (405). Uploads are parsed as their body streams in and refused on their
/// headers when they can be, before the body is read.
extension HTTPRoutes {
    /// Adds the API routes, then `mounts`, to `router`.
    public func addRoutes(to router: Router<FaxDropRequestContext>, logger: Logger) {
        let routes = self
        // First, so that it wraps every route and the router's own "not found".
        router.add(middleware: UnroutedAnswers(methodPaths: ["/fax", "/metrics", "/healthz"]))
        router.post("/fax") { request, _ in
            try await routes.upload(request, logger: logger).response
        }
        router.get("/fax") { request, _ in
            guard let list = routes.list else {
                return APIResponse.error(405, .methodNotAllowed, "GET is not allowed on /fax").closing().response
            }
            return try await routes.answerGET(request) {
                if let refusal = routes.api.authorize(apiKeyHeader: request.headers[.apiKey]) { return refusal }
                return await list(request.uri.query ?? "")
            }.response
        }
        router.get("/fax/**") { request, _ in
            try await routes.answerGET(request) {
                if let refusal = routes.api.authorize(apiKeyHeader: request.headers[.apiKey]) { return refusal }
                return await routes.api.job(String(request.uri.path.dropFirst("/fax/".count)))
            }.response
        }
        if let inbound {
            let answer: @Sendable (Request, FaxDropRequestContext) async throws -> Response = { request, _ in
                try await routes.answerGET(request) {
                    if let refusal = routes.api.authorize(apiKeyHeader: request.headers[.apiKey]) { return refusal }
                    return inbound.answer(path: request.uri.path, query: request.uri.query ?? "")
                }.response
            }
            router.get("/inbound", use: answer)
            router.get("/inbound/**", use: answer)
        }
        router.get("/metrics") { request, _ in
            try await routes.answerGET(request) {
                APIResponse(
                    status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
                    body: Array(await routes.metrics().utf8))
            }.response
        }
        router.get("/healthz") { request, _ in
            try await routes.answerGET(request) { await routes.health() }.response
        }
        for mount in mounts { mount(router) }
    }

    /// A GET: its body (none is expected) read and dropped first, up to a bound.
    func answerGET(_ request: Request, _ answer: () async -> APIResponse) async throws -> APIResponse {
        guard try await Self.drain(request.body) else { return .error(413, .badRequest, "a GET has no body").closing() }
        return await answer()
    }

    /// The most body bytes read and dropped for routes that take none.
    static let maxIgnoredBody = 64 * 1024

    /// Reads a body to its end and drops it; `false` when it was too long.
    static func drain(_ body: RequestBody) async throws -> Bool {
        var seen = 0
        for try await buffer in body {
            seen += buffer.readableBytes
            if seen > maxIgnoredBody { return false }
        }
        return true
    }

    /// `POST /fax`: refused on its headers when it can be, otherwise parsed as it streams.
    func upload(_ request: Request, logger: Logger) async throws -> APIResponse {
        if let refusal = api.authorize(apiKeyHeader: request.headers[.apiKey]) {
            return refusal.closing()
        }
        let length = request.headers[.contentLength].flatMap { Int64($0) }
        let boundary: String
        switch api.admitUpload(contentType: request.headers[.contentType], contentLength: length) {
        case .refuse(let refusal): return refusal.closing()
        case .accept(let b): boundary = b
        }
        if request.headers[.expect]?.lowercased() == "100-continue", let channel = HTTPExchange.channel {
            try await channel.triggerUserOutboundEvent(SendContinue()).get()
        }
        // One staged file per `file` part, made as each part begins to carry bytes.
        var staged: [StagedUpload] = []
        var upload = FaxUpload(boundary: boundary, maxBytes: api.maxBytes)
        for try await buffer in request.body {
            do {
                try upload.feed(buffer.readableBytesView) { index, data in
                    while staged.count <= index {
                        guard let next = api.stage() else { throw FaxAPI.StagingUnavailable() }
                        staged.append(next)
                    }
                    try staged[index].write(data)
                }
            } catch .tooLarge {
                return api.tooLarge().closing()
            } catch .malformed(let why) {
                return .error(400, .badRequest, "malformed multipart body: \(why)").closing()
            } catch .storage(let why) {
                logger.error("cannot store an upload", metadata: ["error": "\(why)"])
                return api.spoolUnavailable().closing()
            }
        }
        do {
            try upload.finish()
        } catch {
            return .error(400, .badRequest, "malformed multipart body")
        }
        return await api.submit(upload, staged: staged)
    }
}

/// What the server knows of the request being answered, for the handlers that need the
/// connection itself (`100 Continue`).
enum HTTPExchange {
    @TaskLocal static var channel: (any Channel)?
}

/// The router found no route: the API's JSON `404`, or `405` on a path that has routes for
/// other methods. Routes that were found, and what they throw, pass untouched.
struct UnroutedAnswers: RouterMiddleware {
    typealias Context = FaxDropRequestContext
    let methodPaths: Set<String>

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && Self.unrouted(context) {
            let path = request.uri.path
            if methodPaths.contains(path) {
                return APIResponse.error(405, .methodNotAllowed, "\(request.method) is not allowed on \(path)")
                    .closing().response
            }
            guard try await HTTPRoutes.drain(request.body) else {
                return APIResponse.error(404, .notFound, "no route \(path)").closing().response
            }
            return APIResponse.error(404, .notFound, "no route \(path)").response
        }
    }

    /// The router's own "not found" (which names its endpoint so), not a route's.
    static func unrouted(_ context: Context) -> Bool {
        context.endpointPath == nil || context.endpointPath == "NotFound"
    }
}

extension HTTPField.Name {
    static let apiKey = HTTPField.Name("X-API-Key")!
}

extension APIResponse {
    /// As Hummingbird writes it; `Connection: close` when the connection ends after it.
    var response: Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-store"
        if closeConnection { headers[.connection] = "close" }
        let status = HTTPResponse.Status(
            code: status, reasonPhrase: HTTPResponseStatus(statusCode: status).reasonPhrase)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
