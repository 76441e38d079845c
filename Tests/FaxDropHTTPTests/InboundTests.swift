import FaxDropAMI
import FaxDropCore
import FaxDropDaemon
import FaxDropFaxImage
import FaxDropHTTP
import FaxDropNotify
import FaxDropSystem
import Foundation
import XCTest

/// Telling people about received faxes (issue 10, step 6): `GET /inbound…` with the API key
/// (real curl), `FAXDROP_ON_RECEIVE`, the received metrics, and routes to department folders.
final class InboundTests: XCTestCase {
    func writeReceived(_ spool: HTTPTestSpool, _ receiveID: String, pages: Int) throws {
        let writer = try FaxImageWriter(path: spool.spool.receiving + "/\(receiveID).tif", coding: .g3TwoDimensional)
        for page in 0..<pages {
            let rows = [UInt8](repeating: 0x3C, count: 216 * 100)
            try rows.withUnsafeBytes {
                try writer.appendPage(
                    rows: $0, bytesPerRow: 216, width: 1728, height: 100, resolution: .fine, pageNumber: page,
                    pageCount: pages)
            }
        }
        writer.close()
    }

    func event(_ receiveID: String, did: String, pages: Int, status: String) -> FaxReceivedEvent {
        var e = FaxReceivedEvent()
        e.receiveID = receiveID
        e.did = did
        e.caller = "5550100\r\n$(touch x)"
        e.pages = pages
        e.status = status
        e.error = status == "SUCCESS" ? nil : "The call dropped prematurely"
        e.mode = "T38"
        return e
    }

    func testInboundAPIHookMetricsAndRoutes() async throws {
        let spool = try HTTPTestSpool()
        let routes = spool.base + "/routes"
        try "+1555100*  support\n".write(toFile: routes, atomically: true, encoding: .utf8)
        let out = spool.base + "/hook-out"
        let hookReceiver = try WebhookReceiver(statuses: [200], folder: spool.base)
        let settings = [
            "FAXDROP_WEBHOOK_URL": "http://127.0.0.1:\(hookReceiver.port)/in", "FAXDROP_WEBHOOK_SECRET": "whsec-1",
            "API_KEY": "k-inbound-123", "FAXDROP_INBOUND_ROUTES": routes,
            "FAXDROP_ON_RECEIVE": "printf '%s|%s|%s\\n' \"$FAXDROP_DID\" \"$FAXDROP_FOLDER\" >> '\(out)'",
        ]
        let configuration = try spool.configuration(settings)
        let daemon = Daemon(
            configuration: configuration, renderer: PoolTestRenderer(),
            backend: LoopbackBackend(pageSeconds: 0, logger: quietLogger()), logger: quietLogger())
        let receiver = ReceiveService(lander: try ReceiveLander.make(configuration), source: nil, logger: quietLogger())
        daemon.add(receiver)
        let ecosystem = try await EcosystemServices.make(
            configuration: configuration, daemon: daemon, receiver: receiver,
            environment: ["PATH": "/usr/bin:/bin"], logger: quietLogger())
        for service in ecosystem.services { daemon.add(service) }
        try await daemon.start()
        addTeardownBlock { await daemon.stop() }
        let base = "http://127.0.0.1:\(ecosystem.http?.boundPort ?? 0)"

        try writeReceived(spool, "10.1", pages: 2)
        try writeReceived(spool, "10.2", pages: 1)
        let landedFirst = await receiver.land(event("10.1", did: "+15551002", pages: 2, status: "SUCCESS"))
        let landedSecond = await receiver.land(event("10.2", did: "+4930123", pages: 1, status: "FAILED"))
        XCTAssertTrue(landedFirst && landedSecond)
        XCTAssertTrue(FileManager.default.fileExists(atPath: spool.spool.incoming + "/support"), "routed by prefix")
        XCTAssertTrue(FileManager.default.fileExists(atPath: spool.spool.incoming + "/+4930123"), "no rule: the DID")

        XCTAssertEqual(try curl([base + "/inbound"]).status, 401)
        let key = ["-H", "X-API-Key: k-inbound-123"]
        let list = try curl(key + [base + "/inbound"])
        XCTAssertEqual(list.status, 200, list.body)
        let items = try XCTUnwrap(list.json?["items"] as? [[String: Any]])
        XCTAssertEqual(items.map { $0["folder"] as? String }, ["+4930123", "support"], "newest first")
        XCTAssertEqual(list.json?["total"] as? Int, 2)
        let paged = try curl(key + [base + "/inbound?page=2&per_page=1"])
        XCTAssertEqual((paged.json?["items"] as? [[String: Any]])?.map { $0["folder"] as? String }, ["support"])
        XCTAssertEqual(paged.json.map { Set($0.keys) }, ["items", "total", "page", "per_page"])
        XCTAssertEqual(paged.json?["page"] as? Int, 2)
        XCTAssertEqual(paged.json?["per_page"] as? Int, 1)
        XCTAssertEqual(paged.json?["total"] as? Int, 2)

        let id = try XCTUnwrap(items[1]["id"] as? String)
        let one = try curl(key + [base + "/inbound/\(id)"])
        XCTAssertEqual(one.json?["status"] as? String, "received")
        XCTAssertEqual(one.json?["caller"] as? String, "5550100$(touch x)", "sanitised, as in the sidecar")
        let pdfFile = spool.base + "/got.pdf"
        let pdf = try runProgram(
            "/usr/bin/curl",
            ["-sS", "-o", pdfFile, "-w", "%{http_code} %{content_type}"] + key + [base + "/inbound/\(id)/pdf"])
        XCTAssertEqual(pdf.output, "200 application/pdf")
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: pdfFile)),
            try Data(contentsOf: URL(fileURLWithPath: spool.spool.incoming + "/support/\(id).pdf")))
        for bad in ["/inbound/..%2F..%2Fetc", "/inbound/../tmp", "/inbound/\(id)/../x", "/inbound/0000/pdf"] {
            XCTAssertEqual(try curl(key + ["--path-as-is", base + bad]).status, 404, bad)
        }

        let deadline = Date().addingTimeInterval(10)
        var lines: [String] = []
        while Date() < deadline {
            lines = ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            if lines.count == 2 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTAssertEqual(
            Set(lines.map { $0.split(separator: "|").prefix(2).joined(separator: "|") }),
            ["+15551002|support", "+4930123|+4930123"])
        XCTAssertTrue(lines.allSatisfy { $0.hasSuffix(".json") }, "the sidecar path is $1")

        // The webhook: each received sidecar, byte for byte, signed, with its event type.
        let posts = try await hookReceiver.waitFor(2, timeout: 10)
        XCTAssertEqual(posts.map { $0.headers["x-faxdrop-event"] }, ["fax.received", "fax.received"])
        for post in posts {
            let timestamp = try XCTUnwrap(post.headers["x-faxdrop-timestamp"].flatMap { Int64($0) })
            XCTAssertEqual(
                post.headers["x-faxdrop-signature"],
                WebhookNotifier.signature(timestamp: timestamp, body: Array(post.body), secret: Secret("whsec-1")))
            let id = try XCTUnwrap(post.headers["x-faxdrop-job"])
            let folder = id == (items[1]["id"] as? String) ? "support" : "+4930123"
            XCTAssertEqual(
                post.body, try Data(contentsOf: URL(fileURLWithPath: spool.spool.incoming + "/\(folder)/\(id).json")))
        }

        let metrics = try curl([base + "/metrics"]).body
        XCTAssertTrue(metrics.contains("faxdrop_received_total{status=\"received\"} 1"), metrics)
        XCTAssertTrue(metrics.contains("faxdrop_received_total{status=\"partial\"} 1"), metrics)
        XCTAssertTrue(metrics.contains("faxdrop_pages_received_total 3"), metrics)
    }
}
