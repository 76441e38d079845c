import FaxDropCore
import FaxDropDaemon
import FaxDropRenderClient
import FaxDropSystem
import Foundation
import Logging
import XCTest

/// A spool in a fresh temporary folder, and the waits and checks daemon tests share.
struct TestSpool {
    let root: String
    var spool: Spool { Spool(root: root) }

    init() throws {
        let template = NSTemporaryDirectory() + "faxdrop-test-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else { throw SystemError("mkdtemp", errno: errno) }
        root = String(cString: made) + "/spool"
        try Spool(root: root).createLayout()
    }

    /// The package root (where Package.swift is).
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let corpus = packageRoot + "/../shared/corpus"

    func write(_ bytes: [UInt8], to relative: String) throws {
        let path = root + "/outgoing/" + relative
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
    }

    func copy(_ source: String, to relative: String) throws {
        try write(Array(try Data(contentsOf: URL(fileURLWithPath: source))), to: relative)
    }

    /// Sidecar paths in done/ and failed/.
    func sidecars() -> (done: [String], failed: [String]) {
        func list(_ folder: String) -> [String] {
            ((try? Syscall.listDirectory(folder)) ?? []).filter { $0.hasSuffix(".json") }.sorted().map {
                folder + "/" + $0
            }
        }
        return (list(spool.done), list(spool.failed))
    }

    /// Waits until `count` sidecars exist in total, or fails after `timeout`.
    @discardableResult
    func waitForSidecars(_ count: Int, timeout: Double, file: StaticString = #filePath, line: UInt = #line) async throws
        -> [Sidecar]
    {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let found = sidecars()
            if found.done.count + found.failed.count >= count {
                return try (found.done + found.failed).map(Self.readSidecar)
            }
            if Date() > deadline {
                XCTFail(
                    "timed out: \(found.done.count + found.failed.count) of \(count) sidecars", file: file, line: line)
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Waits until `active/` is empty again (job folders are cleared right after the
    /// sidecar is written), or fails after `timeout`.
    func assertActiveEmpties(timeout: Double = 5, file: StaticString = #filePath, line: UInt = #line) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while let left = try? Syscall.listDirectory(spool.active), !left.isEmpty {
            if Date() > deadline {
                XCTFail("active/ still holds \(left)", file: file, line: line)
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func readSidecar(_ path: String) throws -> Sidecar {
        try JSONDecoder.faxdrop().decode(Sidecar.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Validates sidecar files against etc/faxdrop-result.schema.json with the Python
    /// `jsonschema` package (installed by .ci/run).
    static func assertValid(_ paths: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        guard !paths.isEmpty else { return }
        let process = Process()
        let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, packageRoot + "/scripts/validate-sidecar.py"] + paths
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "sidecars do not validate: \(message)", file: file, line: line)
    }

    func configuration(_ extra: [String: String] = [:]) throws -> Configuration {
        var values = [
            "FAXDROP_SPOOL": root, "FAXDROP_SETTLE_MS": "150", "FAXDROP_LOOPBACK_PAGE_SECONDS": "0",
            "FAXDROP_RESCAN_SECONDS": "0", "FAXDROP_HTTP": "false",
        ]
        values.merge(extra) { _, new in new }
        return try Configuration(values: values)
    }
}

extension XCTestCase {
    /// Starts a daemon on `spool` and stops it when the test ends, pass or fail.
    func startDaemon(
        _ spool: TestSpool, _ settings: [String: String] = [:], renderer: any DocumentRenderer, backend: any FaxBackend,
        logger: Logger? = nil
    ) async throws -> Daemon {
        let daemon = Daemon(
            configuration: try spool.configuration(settings), renderer: renderer, backend: backend,
            logger: logger ?? testLogger())
        // Teardown blocks run last-added first: the daemon stops, then its folder goes.
        let folder = (spool.root as NSString).deletingLastPathComponent
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        try await daemon.start()
        addTeardownBlock { await daemon.stop() }
        return daemon
    }

    /// A pool of real `faxdrop-render` workers, shut down when the test ends.
    func startRenderPool(workers: Int = 2, timeout: Duration = .seconds(60)) -> RenderPool {
        let pool = RenderPool(
            executable: RenderPool.defaultExecutable(), workers: workers, timeout: timeout, logger: testLogger())
        addTeardownBlock { await pool.shutdown() }
        return pool
    }

    /// Starts a daemon on `spool` that renders with real `faxdrop-render` workers and sends through `backend`.
    @discardableResult
    func startRenderingDaemon(
        _ spool: TestSpool, _ settings: [String: String] = [:], workers: Int = 2, backend: any FaxBackend,
        logger: Logger? = nil
    ) async throws -> Daemon {
        let pool = startRenderPool(workers: workers)
        return try await startDaemon(
            spool, settings, renderer: LoopbackEndToEndTests.PoolRenderer(pool: pool), backend: backend, logger: logger)
    }

    /// Starts a rendering daemon on the loopback line, its page time from the settings.
    @discardableResult
    func startLoopbackDaemon(
        _ spool: TestSpool, _ settings: [String: String] = [:], noAnswerSeconds: Double, workers: Int = 2
    ) async throws -> Daemon {
        let configuration = try spool.configuration(settings)
        let backend = LoopbackBackend(
            pageSeconds: configuration.loopbackPageSeconds, noAnswerSeconds: noAnswerSeconds, logger: testLogger())
        return try await startRenderingDaemon(spool, settings, workers: workers, backend: backend)
    }
}

/// A logger for tests: warnings and worse on stderr.
func testLogger() -> Logger {
    var logger = Logger(label: "faxdrop-test") { _ in
        FaxDropLogHandler(label: "faxdrop-test", format: .text, level: .warning, secrets: [])
    }
    logger.logLevel = .warning
    return logger
}

/// Waits until `condition` holds, checking every 20 ms; after `timeout` seconds the test
/// fails naming `what` and the wait throws.
func waitFor(_ what: String, timeout: Double, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            XCTFail("timed out waiting for \(what)")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}
