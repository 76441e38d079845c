import FaxDropCore
import FaxDropDaemon
import FaxDropHTTP
import FaxDropNotify
import FaxDropSystem
import Foundation
import XCTest

/// The NOTIFY_SOCKET datagram protocol against a real socket bound here, as systemd binds it.
final class SystemdNotifierTests: XCTestCase {
    private func messages(_ socket: UnixDatagramSocket, until stop: (String) -> Bool) throws -> [String] {
        var seen: [String] = []
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            guard let datagram = try socket.receive(timeoutMilliseconds: 200) else { continue }
            let text = String(decoding: datagram, as: UTF8.self)
            seen.append(text)
            if stop(text) { return seen }
        }
        XCTFail("notifications seen: \(seen)")
        return seen
    }

    /// READY=1 once the daemon takes files, watchdog pings while it runs, STOPPING=1 when it stops.
    func testDaemonLifecycleOnAnAbstractSocket() async throws {
        let name = "@faxdrop-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let listener = try UnixDatagramSocket()
        try listener.bind(name)
        let spool = try HTTPTestSpool()
        let notifier = SystemdNotifier(
            environment: ["NOTIFY_SOCKET": name, "WATCHDOG_USEC": "400000", "WATCHDOG_PID": "\(getpid())"],
            logger: quietLogger())
        XCTAssertEqual(notifier.watchdogInterval, .milliseconds(200))
        let renderer = PoolTestRenderer()
        let daemon = Daemon(
            configuration: try spool.configuration(["FAXDROP_HTTP": "false"]), renderer: renderer,
            backend: LoopbackBackend(pageSeconds: 0, logger: quietLogger()), services: [renderer, notifier],
            logger: quietLogger())
        try await daemon.start()
        let untilReady = try messages(listener) { $0.hasPrefix("READY=1") }
        XCTAssertTrue(untilReady.last!.contains("MAINPID=\(getpid())"))
        var pings = 0
        _ = try messages(listener) { text in
            if text == "WATCHDOG=1" { pings += 1 }
            return pings == 3
        }
        await daemon.stop()
        let untilStopping = try messages(listener) { $0.hasPrefix("STOPPING=1") }
        XCTAssertTrue(untilStopping.allSatisfy { $0 == "WATCHDOG=1" || $0.hasPrefix("STOPPING=1") })
        // After stop, the pings end.
        while let late = try listener.receive(timeoutMilliseconds: 250) {
            XCTAssertEqual(String(decoding: late, as: UTF8.self), "WATCHDOG=1", "only pings already in flight")
        }
        XCTAssertNil(try listener.receive(timeoutMilliseconds: 500))
    }

    func testPathSocketAndNoWatchdogForAnotherPid() async throws {
        let spool = try HTTPTestSpool()
        let path = spool.base + "/notify.sock"
        let listener = try UnixDatagramSocket()
        try listener.bind(path)
        let notifier = SystemdNotifier(
            environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "100000", "WATCHDOG_PID": "1"], logger: quietLogger())
        XCTAssertNil(notifier.watchdogInterval, "the watchdog is meant for another process")
        try await notifier.start()
        await notifier.daemonDidStart()
        let ready = try XCTUnwrap(try listener.receive(timeoutMilliseconds: 2000))
        XCTAssertTrue(String(decoding: ready, as: UTF8.self).hasPrefix("READY=1\n"))
        XCTAssertNil(try listener.receive(timeoutMilliseconds: 300), "no pings")
        await notifier.stop()
    }

    func testWithoutNotifySocketNothingIsSent() async throws {
        let notifier = SystemdNotifier(environment: [:], logger: quietLogger())
        XCTAssertNil(notifier.socketPath)
        XCTAssertFalse(notifier.notify("READY=1"))
        try await notifier.start()
        await notifier.stop()
    }
}
