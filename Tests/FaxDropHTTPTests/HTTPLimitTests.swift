import FaxDropCore
import FaxDropDaemon
import FaxDropHTTP
import FaxDropSystem
import Foundation
import XCTest

/// Issue 9, item 6: slow and many HTTP clients cannot starve the daemon.
final class HTTPLimitTests: XCTestCase {
    private func waitUntil(_ what: String, timeout: Double, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTFail("not within \(timeout) s: \(what)")
        throw CancellationError()
    }

    /// With the cap reached by clients that never finish their request, one more connection
    /// gets a quick `503` instead of a hang, a dropped file is still claimed and sent, and
    /// `/healthz` answers again as soon as a slot frees up.
    func testConnectionsBeyondTheCapGet503AndTheIntakeKeepsWorking() async throws {
        let spool = try HTTPTestSpool()
        let gateway = try await RunningGateway.start(
            spool, settings: ["FAXDROP_HTTP_MAX_CONNECTIONS": "3", "FAXDROP_HTTP_HEADER_TIMEOUT": "60"])
        let http = try XCTUnwrap(gateway.ecosystem.http)
        XCTAssertEqual(http.maxConnections, 3)
        var halfOpen: [RawConnection] = []
        for _ in 0..<3 {
            let connection = try RawConnection(port: gateway.port)
            XCTAssertTrue(connection.send("GET /healthz HTTP/1.1\r\nHost: faxdrop\r\n"))
            halfOpen.append(connection)
        }
        try await waitUntil("3 connections open", timeout: 10) { http.openConnections == 3 }

        let started = Date()
        let refused = try curl(["--max-time", "10", gateway.base + "/healthz"])
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.errorCode, "too_many_connections")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "answered, not left hanging")
        // A raw client beyond the cap reads the same answer, then the end of the connection.
        let extra = try RawConnection(port: gateway.port)
        let answer = extra.read(for: 10)
        XCTAssertTrue(answer.closed)
        XCTAssertTrue(String(decoding: answer.bytes, as: UTF8.self).hasPrefix("HTTP/1.1 503 "))

        // The intake claims and sends a file meanwhile.
        let folder = spool.spool.outgoing + "/+15551234567"
        try Syscall.mkdirIfNeeded(folder)
        let staging = spool.base + "/letter.pdf"
        try FileManager.default.copyItem(atPath: Fixtures.onePageLetter, toPath: staging)
        try Syscall.rename(staging, folder + "/letter.pdf")
        try await waitUntil("the dropped file is sent", timeout: 60) {
            ((try? FileManager.default.contentsOfDirectory(atPath: spool.spool.done)) ?? []).contains {
                $0.hasSuffix(".json")
            }
        }
        XCTAssertEqual(http.openConnections, 3, "the half-open clients are still held")

        halfOpen.removeLast().close()
        try await waitUntil("a slot frees up", timeout: 10) { http.openConnections == 2 }
        XCTAssertEqual(try curl(["--max-time", "10", gateway.base + "/healthz"]).status, 200)
        for connection in halfOpen { connection.close() }
        await gateway.stop()
    }

    /// A client that trickles its request head (a header line every 200 ms, which keeps an
    /// idle timer happy) is closed once the header timeout passes; one that sends its head
    /// and then stalls its body is closed by the idle timeout. Others are served meanwhile.
    func testSlowHeadsAndStalledBodiesAreClosed() async throws {
        let spool = try HTTPTestSpool()
        let gateway = try await RunningGateway.start(
            spool, settings: ["FAXDROP_HTTP_HEADER_TIMEOUT": "1", "FAXDROP_HTTP_IDLE_TIMEOUT": "2"])

        let trickle = try RawConnection(port: gateway.port)
        let started = Date()
        XCTAssertTrue(trickle.send("GET /healthz HTTP/1.1\r\nHost: faxdrop\r\n"))
        var closed = false
        while !closed && Date().timeIntervalSince(started) < 20 {
            _ = trickle.send("X-Slow: \(Int(Date().timeIntervalSince(started) * 1000))\r\n")
            closed = trickle.read(for: 0.2).closed
        }
        let trickleLasted = Date().timeIntervalSince(started)
        XCTAssertTrue(closed, "a trickled request head is cut off")
        XCTAssertGreaterThanOrEqual(trickleLasted, 0.9)
        XCTAssertLessThan(trickleLasted, 10)

        let stalled = try RawConnection(port: gateway.port)
        let sent = Date()
        XCTAssertTrue(stalled.send("GET /metrics HTTP/1.1\r\nHost: faxdrop\r\nContent-Length: 100\r\n\r\n0123456789"))
        XCTAssertEqual(try curl(["--max-time", "10", gateway.base + "/healthz"]).status, 200)
        let outcome = stalled.read(for: 20)
        let stallLasted = Date().timeIntervalSince(sent)
        XCTAssertTrue(outcome.closed, "a stalled body is cut off")
        XCTAssertTrue(outcome.bytes.isEmpty, "no answer to a request that never ended")
        XCTAssertGreaterThanOrEqual(stallLasted, 1.9, "the head arrived: the idle timeout applies, not the header one")
        XCTAssertLessThan(stallLasted, 15)
        await gateway.stop()
    }

    /// The soft descriptor limit is raised to the hard one at start, and the cap keeps the
    /// reserve below it whatever is configured.
    func testTheCapKeepsADescriptorReserve() async throws {
        let before = try ProcessLimits.openFileLimits()
        guard before.hard > 1024, before.hard != UInt64.max else {
            throw XCTSkip("needs a finite hard limit over 1024")
        }
        var lowered = rlimit(rlim_cur: 512, rlim_max: rlim_t(before.hard))
        XCTAssertEqual(setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &lowered), 0)
        let spool = try HTTPTestSpool()
        let gateway = try await RunningGateway.start(spool, settings: ["FAXDROP_HTTP_MAX_CONNECTIONS": "100000"])
        let after = try ProcessLimits.openFileLimits()
        XCTAssertEqual(after.soft, before.hard, "soft limit raised to the hard one")
        let cap = try XCTUnwrap(gateway.ecosystem.http?.maxConnections)
        XCTAssertEqual(cap, min(100_000, (Int(after.soft) - HTTPServer.descriptorReserve) / 2))
        XCTAssertEqual(try curl(["--max-time", "10", gateway.base + "/healthz"]).status, 200)
        await gateway.stop()
    }
}
