import FaxDropCore
import FaxDropDaemon
import FaxDropHTTP
import FaxDropSystem
import Foundation
import Hummingbird
import XCTest

/// The server on Hummingbird: routes mounted beside the API, `Expect: 100-continue`, and the
/// API's own answers for unknown routes and methods, over real loopback sockets.
final class HTTPRouterTests: XCTestCase {
    private var spool: HTTPTestSpool!
    private var server: HTTPServer!
    private var base = ""
    private var port = 0

    private func start(mounts: [@Sendable (Router<FaxDropRequestContext>) -> Void] = []) async throws {
        spool = try HTTPTestSpool()
        let api = FaxAPI(spool: spool.spool, apiKey: Secret("k"), maxBytes: 50 << 20, logger: quietLogger())
        var routes = HTTPRoutes(
            api: api,
            metrics: { Metrics().exposition(.init(jobs: [], callsInProgress: 0, dropZoneFiles: 0, amiConnected: nil)) },
            health: { .json(200, ["status": "ok"]) })
        routes.mounts = mounts
        server = HTTPServer(host: "127.0.0.1", port: 0, routes: routes, logger: quietLogger())
        try await server.start()
        port = try XCTUnwrap(server.boundPort)
        base = "http://127.0.0.1:\(port)"
    }

    override func tearDown() async throws {
        await server?.stop()
    }

    /// A mounted route answers on the same port as the API, and does not shadow it.
    func testMountedRoutesAnswerBesideTheAPI() async throws {
        try await start(mounts: [
            { router in
                router.get("/") { _, _ in "console home" }
                router.get("/outbox") { request, _ in "outbox \(request.uri.query ?? "")" }
            }
        ])
        let home = try curl([base + "/"])
        XCTAssertEqual(home.status, 200)
        XCTAssertEqual(home.body, "console home")
        let outbox = try curl([base + "/outbox?page=2"])
        XCTAssertEqual(outbox.body, "outbox page=2")
        XCTAssertEqual(try curl([base + "/healthz"]).status, 200)
        let missing = try curl([base + "/fax/01KB2Y9M4Q3V8J6T0ZP1C5R7WX", "-H", "X-API-Key: wrong"])
        XCTAssertEqual(missing.status, 401)
        let unknown = try curl([base + "/nothing/here"])
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(unknown.errorCode, "not_found")
    }

    /// The router's context carries the client's address from the connection (the console's
    /// audit log names it): over loopback, 127.0.0.1.
    func testTheContextCarriesTheClientsAddress() async throws {
        try await start(mounts: [
            { router in
                router.get("/whoami") { _, context in context.remoteAddress?.ipAddress ?? "unknown" }
            }
        ])
        let answer = try curl([base + "/whoami"])
        XCTAssertEqual(answer.status, 200)
        XCTAssertEqual(answer.body, "127.0.0.1")
    }

    /// Wrong methods on the API's paths get the JSON 405; GET /fax is one until a job list
    /// is configured.
    func testWrongMethodsAre405WithTheAPIsBody() async throws {
        try await start()
        for (method, path) in [("DELETE", "/metrics"), ("PUT", "/fax"), ("POST", "/healthz"), ("GET", "/fax")] {
            let answer = try curl(["-X", method, base + path])
            XCTAssertEqual(answer.status, 405, "\(method) \(path)")
            XCTAssertEqual(answer.errorCode, "method_not_allowed", "\(method) \(path)")
        }
    }

    /// An upload that announces `Expect: 100-continue` gets `100 Continue` only once its
    /// headers pass; a refused one gets the refusal instead and the connection is closed.
    func testExpectContinueIsAnsweredAfterTheHeadersAreChecked() async throws {
        try await start()
        let boundary = "b0undary"
        let body =
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"to\"\r\n\r\n+15551234567\r\n"
            + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.pdf\"\r\n"
            + "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n\r\n--\(boundary)--\r\n"
        func head(key: String) -> String {
            "POST /fax HTTP/1.1\r\nHost: faxdrop\r\nX-API-Key: \(key)\r\n"
                + "Content-Type: multipart/form-data; boundary=\(boundary)\r\nContent-Length: \(body.utf8.count)\r\n"
                + "Expect: 100-continue\r\n\r\n"
        }

        let accepted = try RawConnection(port: port)
        XCTAssertTrue(accepted.send(head(key: "k")))
        let interim = try await readUntil(accepted, contains: "\r\n\r\n", within: 10)
        XCTAssertTrue(interim.hasPrefix("HTTP/1.1 100 Continue\r\n"), interim)
        XCTAssertTrue(accepted.send(body))
        let final = try await readUntil(accepted, contains: "\"queued\"", within: 20)
        XCTAssertTrue(final.hasPrefix("HTTP/1.1 202 "), final)

        let refused = try RawConnection(port: port)
        XCTAssertTrue(refused.send(head(key: "wrong")))
        let answer = refused.read(for: 10)
        let text = String(decoding: answer.bytes, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 401 "), text)
        XCTAssertFalse(text.contains("100 Continue"))
        XCTAssertTrue(text.lowercased().contains("connection: close"), text)
        XCTAssertTrue(answer.closed, "the refused connection is closed")
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.outgoing), [])
    }

    /// An HTTP/1.0 client that does not ask for keep-alive gets an HTTP/1.0 answer and the
    /// end of the connection right after it; an HTTP/1.1 one keeps its connection.
    func testHTTP10ClientsAreAnsweredAndClosed() async throws {
        try await start()
        let old = try RawConnection(port: port)
        let sent = Date()
        XCTAssertTrue(old.send("GET /healthz HTTP/1.0\r\n\r\n"))
        let answer = old.read(for: 10)
        let text = String(decoding: answer.bytes, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("HTTP/1.0 200 "), text)
        XCTAssertTrue(text.lowercased().contains("connection: close"), text)
        XCTAssertTrue(answer.closed, "closed after the answer")
        XCTAssertLessThan(Date().timeIntervalSince(sent), 5)

        let current = try RawConnection(port: port)
        XCTAssertTrue(current.send("GET /healthz HTTP/1.1\r\nHost: faxdrop\r\n\r\n"))
        let first = try await readUntil(current, contains: "\"ok\"", within: 10)
        XCTAssertTrue(first.hasPrefix("HTTP/1.1 200 "), first)
        XCTAssertTrue(current.send("GET /healthz HTTP/1.1\r\nHost: faxdrop\r\n\r\n"), "still open")
        let second = try await readUntil(current, contains: "\"ok\"", within: 10)
        XCTAssertTrue(second.hasPrefix("HTTP/1.1 200 "), second)
    }

    private func readUntil(_ connection: RawConnection, contains marker: String, within seconds: Double) async throws
        -> String
    {
        let deadline = Date().addingTimeInterval(seconds)
        var bytes: [UInt8] = []
        while Date() < deadline {
            let got = connection.read(for: 0.1)
            bytes += got.bytes
            let text = String(decoding: bytes, as: UTF8.self)
            if text.contains(marker) { return text }
            if got.closed { break }
        }
        XCTFail("no \(marker.debugDescription) within \(seconds) s: \(String(decoding: bytes, as: UTF8.self))")
        throw CancellationError()
    }
}
