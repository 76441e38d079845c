import FaxDropCore
import FaxDropDaemon
import FaxDropHTTP
import FaxDropSystem
import Foundation
import XCTest

/// The HTTP API over real loopback sockets, driven by real curl.
final class HTTPAPITests: XCTestCase {
    private var spool: HTTPTestSpool!
    private var server: HTTPServer!
    private var base = ""

    private func start(apiKey: String? = "k", maxBytes: Int64 = 50 << 20) async throws {
        spool = try HTTPTestSpool()
        let api = FaxAPI(spool: spool.spool, apiKey: apiKey.map(Secret.init), maxBytes: maxBytes, logger: quietLogger())
        let routes = HTTPRoutes(
            api: api,
            metrics: { Metrics().exposition(.init(jobs: [], callsInProgress: 0, dropZoneFiles: 0, amiConnected: nil)) },
            health: { .json(200, ["status": "ok"]) })
        server = HTTPServer(host: "127.0.0.1", port: 0, routes: routes, logger: quietLogger())
        try await server.start()
        base = "http://127.0.0.1:\(server.boundPort!)"
    }

    override func tearDown() async throws {
        await server?.stop()
    }

    /// Refused uploads leave nothing staged in tmp/ (once the connection has let go of them).
    private func assertNothingStaged(file: StaticString = #filePath, line: UInt = #line) async throws {
        let deadline = Date().addingTimeInterval(5)
        var names: [String] = []
        repeat {
            // Requests for the daemon to take a queued job are not staged uploads.
            names = try Syscall.listDirectory(spool.spool.tmp).filter {
                !($0.hasPrefix("admit-") && $0.hasSuffix(".request"))
            }
            if names.isEmpty { return }
            try await Task.sleep(for: .milliseconds(20))
        } while Date() < deadline
        XCTFail("left in tmp/: \(names)", file: file, line: line)
    }

    /// The seed's example, exactly: 202, an id, and the document queued byte for byte as that
    /// job's (FaxDrop made the id; nothing in the drop zone carries it).
    func testSeedCurlExampleQueuesTheDocument() async throws {
        try await start()
        let pdf = try Fixtures.tinyPDF(in: spool.base)
        let answer = try curl([
            "-X", "POST", base + "/fax", "-H", "X-API-Key: k", "-F", "to=+15551234567", "-F", "file=@\(pdf)",
        ])
        XCTAssertEqual(answer.status, 202, answer.body)
        XCTAssertEqual(answer.json?["status"] as? String, "queued")
        let id = try XCTUnwrap((answer.json?["id"] as? String).flatMap(JobID.init))
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.outgoing), [])
        let document = spool.spool.document(id)
        XCTAssertEqual(try Syscall.lstat(document).mode & 0o777, 0o640)
        XCTAssertEqual(try Fixtures.sha256(ofFile: document), try Fixtures.sha256(ofFile: pdf))
        XCTAssertEqual(try JournalStore(spool: spool.spool).read(id).originalName, "x.pdf")
        XCTAssertEqual(
            try Syscall.listDirectory(spool.spool.tmp), ["admit-\(id.value).request"], "nothing is left staged")

        // Until the daemon takes it, GET answers queued.
        let job = try curl([base + "/fax/\(id.value)", "-H", "X-API-Key: k"])
        XCTAssertEqual(job.status, 200)
        XCTAssertEqual(job.json?["status"] as? String, "queued")
        XCTAssertEqual(job.json?["destination"] as? String, "+15551234567")
    }

    func testKeysAreChecked() async throws {
        try await start()
        let pdf = try Fixtures.tinyPDF(in: spool.base)
        let form = ["-F", "to=+15551234567", "-F", "file=@\(pdf)"]
        let wrong = try curl(["-X", "POST", base + "/fax", "-H", "X-API-Key: K"] + form)
        XCTAssertEqual(wrong.status, 401)
        XCTAssertEqual(wrong.errorCode, "unauthorized")
        let missing = try curl(["-X", "POST", base + "/fax"] + form)
        XCTAssertEqual(missing.status, 401)
        let longer = try curl(["-X", "POST", base + "/fax", "-H", "X-API-Key: kk"] + form)
        XCTAssertEqual(longer.status, 401)
        let get = try curl([base + "/fax/01KB2Y9M4Q3V8J6T0ZP1C5R7WX", "-H", "X-API-Key: wrong"])
        XCTAssertEqual(get.status, 401)
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.outgoing), [], "nothing was queued")
    }

    func testEveryRequestIsRefusedWithoutAPIKey() async throws {
        try await start(apiKey: nil)
        let pdf = try Fixtures.tinyPDF(in: spool.base)
        for key in ["", "k", "anything"] {
            let answer = try curl([
                "-X", "POST", base + "/fax", "-H", "X-API-Key: \(key)", "-F", "to=+15551234567", "-F", "file=@\(pdf)",
            ])
            XCTAssertEqual(answer.status, 401)
        }
        XCTAssertEqual(try curl([base + "/fax/01KB2Y9M4Q3V8J6T0ZP1C5R7WX"]).status, 401)
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.outgoing), [])
        // Metrics and health stay open.
        XCTAssertEqual(try curl([base + "/healthz"]).status, 200)
    }

    func testBadNumberIs400WithTheSpecCode() async throws {
        try await start()
        let pdf = try Fixtures.tinyPDF(in: spool.base)
        for to in ["12345", "+0123456789", "+1555123456789012", "+1555 1234567", ""] {
            let answer = try curl([
                "-X", "POST", base + "/fax", "-H", "X-API-Key: k", "-F", "to=\(to)", "-F", "file=@\(pdf)",
            ])
            XCTAssertEqual(answer.status, 400, to)
            XCTAssertEqual(answer.errorCode, "invalid_destination", to)
        }
        let noTo = try curl(["-X", "POST", base + "/fax", "-H", "X-API-Key: k", "-F", "file=@\(pdf)"])
        XCTAssertEqual(noTo.status, 400)
        XCTAssertEqual(noTo.errorCode, "bad_request")
        let noFile = try curl(["-X", "POST", base + "/fax", "-H", "X-API-Key: k", "-F", "to=+15551234567"])
        XCTAssertEqual(noFile.status, 400)
    }

    func testOverMaxBytesIs413() async throws {
        try await start(maxBytes: 1000)
        let big = spool.base + "/big.txt"
        try Data(repeating: UInt8(ascii: "a"), count: 200_000).write(to: URL(fileURLWithPath: big))
        let answer = try curl([
            "-X", "POST", base + "/fax", "-H", "X-API-Key: k", "-F", "to=+15551234567", "-F", "file=@\(big)",
        ])
        XCTAssertEqual(answer.status, 413)
        XCTAssertEqual(answer.errorCode, "file_too_large")
        // Just over the limit but within the multipart allowance: refused while streaming.
        let edge = spool.base + "/edge.txt"
        try Data(repeating: UInt8(ascii: "a"), count: 1001).write(to: URL(fileURLWithPath: edge))
        let streamed = try curl([
            "-X", "POST", base + "/fax", "-H", "X-API-Key: k", "-F", "to=+15551234567", "-F", "file=@\(edge)",
        ])
        XCTAssertEqual(streamed.status, 413)
        // Chunked, with no Content-Length: refused while streaming too.
        let chunked = try curl([
            "-X", "POST", base + "/fax", "-H", "X-API-Key: k", "-H", "Transfer-Encoding: chunked", "-F",
            "to=+15551234567",
            "-F", "file=@\(big)",
        ])
        XCTAssertEqual(chunked.status, 413)
        let exact = spool.base + "/exact.txt"
        try Data(repeating: UInt8(ascii: "a"), count: 1000).write(to: URL(fileURLWithPath: exact))
        let fits = try curl([
            "-X", "POST", base + "/fax", "-H", "X-API-Key: k", "-F", "to=+15551234567", "-F", "file=@\(exact)",
        ])
        XCTAssertEqual(fits.status, 202)
        try await assertNothingStaged()
    }

    func testUnsupportedDocumentIs415() async throws {
        try await start()
        let blob = spool.base + "/blob.bin"
        try Data([0x00, 0x01, 0x02, 0xFF, 0xFE] + Array(repeating: 0, count: 500)).write(to: URL(fileURLWithPath: blob))
        let answer = try curl([
            "-X", "POST", base + "/fax", "-H", "X-API-Key: k", "-F", "to=+15551234567", "-F", "file=@\(blob)",
        ])
        XCTAssertEqual(answer.status, 415)
        XCTAssertEqual(answer.errorCode, "unsupported_format")
        let notMultipart = try curl(["-X", "POST", base + "/fax", "-H", "X-API-Key: k", "--data-binary", "@\(blob)"])
        XCTAssertEqual(notMultipart.status, 415)
        XCTAssertEqual(notMultipart.errorCode, "unsupported_media_type")
        let empty = spool.base + "/empty.pdf"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        let emptyAnswer = try curl([
            "-X", "POST", base + "/fax", "-H", "X-API-Key: k", "-F", "to=+15551234567", "-F", "file=@\(empty)",
        ])
        XCTAssertEqual(emptyAnswer.status, 400)
        XCTAssertEqual(emptyAnswer.errorCode, "empty_file")
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.outgoing), [])
        try await assertNothingStaged()
    }

    /// An upload half-written when the gateway died is removed at the next start.
    func testLeftoverUploadsAreRemovedAtStart() async throws {
        try await start()
        let leftover = spool.spool.tmp + "/" + StagedUpload.prefix + "123.part"
        try Data("partial".utf8).write(to: URL(fileURLWithPath: leftover))
        let other = spool.spool.tmp + "/.job.json.1.2.tmp"
        try Data("{}".utf8).write(to: URL(fileURLWithPath: other))
        StagedUpload.removeLeftovers(spool.spool)  // as EcosystemServices.make does at start
        XCTAssertEqual(try Syscall.listDirectory(spool.spool.tmp), [".job.json.1.2.tmp"], "only uploads go")
    }

    func testUnknownJobsAndRoutes() async throws {
        try await start()
        XCTAssertEqual(try curl([base + "/fax/01KB2Y9M4Q3V8J6T0ZP1C5R7WX", "-H", "X-API-Key: k"]).status, 404)
        XCTAssertEqual(try curl([base + "/fax/../../etc/passwd", "--path-as-is", "-H", "X-API-Key: k"]).status, 404)
        XCTAssertEqual(try curl([base + "/nothing"]).status, 404)
        XCTAssertEqual(try curl(["-X", "DELETE", base + "/metrics"]).status, 405)
    }

    /// Several requests on one kept-alive connection, as curl does with several URLs.
    func testKeepAlive() async throws {
        try await start()
        let urls = [base + "/healthz", base + "/metrics", base + "/healthz"]
        let result = try runProgram(
            "/usr/bin/curl",
            ["-sS", "-w", "%{http_code} %{num_connects}\n"] + urls.flatMap { ["-o", "/dev/null", $0] })
        XCTAssertEqual(result.output, "200 1\n200 0\n200 0\n")
    }

    /// A client that keeps a connection open (idle keep-alive, a stalled upload) does not hold
    /// up the daemon's stop.
    func testStopDoesNotWaitForIdleClients() async throws {
        try await start()
        let port = server.boundPort!
        let script = """
            import socket, sys, time
            idle = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
            stalled = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
            stalled.sendall(b"POST /fax HTTP/1.1\\r\\nHost: x\\r\\nX-API-Key: k\\r\\nContent-Type: multipart/form-data; boundary=b\\r\\nContent-Length: 100000\\r\\n\\r\\n--b\\r\\n")
            print("connected", flush=True)
            time.sleep(60)
            """
        let holder = try ChildProcess.spawn(
            [python] + pythonPrefix + ["-c", script, "\(port)"], environment: ProcessInfo.processInfo.environment)
        defer { stopChild(holder) }
        try await Task.sleep(for: .milliseconds(700))
        let started = ContinuousClock.now
        await server.stop()
        server = nil
        XCTAssertLessThan(started.duration(to: .now), .seconds(3))
    }
}
