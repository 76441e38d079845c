import AsteriskSimulator
import FaxDropAMI
import FaxDropAsterisk
import FaxDropCore
import Foundation
import Logging
import XCTest

/// Writes small uncompressed bilevel TIFFs: enough for spandsp's (and the simulator's) checks.
enum TestTIFF {
    static func write(
        _ path: String, pages: Int, width: Int = 1728, height: Int = 64, xdpi: UInt32 = 204, ydpi: UInt32 = 196,
        bitsPerSample: UInt16 = 1
    ) throws {
        var out: [UInt8] = [0x49, 0x49, 42, 0]
        func u16(_ v: UInt16) { out += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) {
            out += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]
        }
        func patch(_ at: Int, _ v: UInt32) {
            out[at] = UInt8(v & 0xFF)
            out[at + 1] = UInt8((v >> 8) & 0xFF)
            out[at + 2] = UInt8((v >> 16) & 0xFF)
            out[at + 3] = UInt8(v >> 24)
        }
        var nextPointer = out.count
        u32(0)
        let rowBytes = (width * Int(bitsPerSample) + 7) / 8
        for page in 0..<pages {
            let dataOffset = out.count
            out += [UInt8](repeating: page % 2 == 0 ? 0x00 : 0x0F, count: rowBytes * height)
            let rationals = out.count
            u32(xdpi)
            u32(1)
            u32(ydpi)
            u32(1)
            if out.count % 2 == 1 { out.append(0) }
            patch(nextPointer, UInt32(out.count))
            let entries: [(UInt16, UInt16, UInt32, UInt32)] = [
                (256, 4, 1, UInt32(width)), (257, 4, 1, UInt32(height)), (258, 3, 1, UInt32(bitsPerSample)),
                (259, 3, 1, 1), (262, 3, 1, 0), (273, 4, 1, UInt32(dataOffset)), (277, 3, 1, 1),
                (278, 4, 1, UInt32(height)), (279, 4, 1, UInt32(rowBytes * height)), (282, 5, 1, UInt32(rationals)),
                (283, 5, 1, UInt32(rationals + 8)), (296, 3, 1, 2),
                (297, 3, 2, UInt32(page) | UInt32(pages) << 16),
            ]
            u16(UInt16(entries.count))
            for (tag, type, count, value) in entries {
                u16(tag)
                u16(type)
                u32(count)
                u32(value)
            }
            nextPointer = out.count
            u32(0)
        }
        try Data(out).write(to: URL(fileURLWithPath: path))
    }
}

/// Log lines kept in memory, to check what the backend logs (and that secrets are not in it).
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) {
        lock.lock()
        lines.append(line)
        lock.unlock()
    }
    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }

    var logger: Logger {
        var logger = Logger(label: "faxdrop.test") { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let all = self.metadata.merging(event.metadata ?? [:]) { $1 }
            capture.append(
                "\(event.level) \(event.message) \(all.map { "\($0)=\($1)" }.sorted().joined(separator: " "))")
        }
    }
}

/// Waits until `condition` holds, checking every 10 ms, at most `timeout`.
func eventually(
    _ what: String, timeout: Duration = .seconds(10), file: StaticString = #filePath, line: UInt = #line,
    _ condition: () async -> Bool
) async {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return }
        try? await Task.sleep(for: .milliseconds(10))
    }
    XCTFail("timed out waiting for: \(what)", file: file, line: line)
}

/// A simulator and a backend wired together, with fast timings.
struct Harness {
    static let secret = "s3cr3t-AMI-pw"
    let simulator: AsteriskSimulator
    let backend: SIPBackend
    let configuration: Configuration
    let directory: String
    let logs: LogCapture
    var port: Int { configuration.amiPort }

    static func simulatorOptions(timeScale: Double = 0.01) -> AsteriskSimulator.Options {
        var options = AsteriskSimulator.Options()
        options.username = "faxdrop"
        options.secret = secret
        options.timeScale = timeScale
        return options
    }

    static func backendOptions() -> SIPBackend.Options {
        var options = SIPBackend.Options()
        options.connection.reconnectInitialDelay = .milliseconds(50)
        options.connection.reconnectMaximumDelay = .milliseconds(200)
        options.connection.authenticationRetryDelay = .seconds(60)
        options.connection.tickInterval = .milliseconds(20)
        options.resultGrace = .milliseconds(300)
        options.pingInterval = .seconds(2)
        options.reconcileConnectionWait = .seconds(5)
        return options
    }

    static func make(
        password: String = secret, simulator options: AsteriskSimulator.Options = simulatorOptions(),
        backend backendOptions: SIPBackend.Options = backendOptions(), startSimulator: Bool = true,
        directory: String = NSTemporaryDirectory() + "faxdrop-ami-\(UUID().uuidString)",
        configure: (inout Configuration) -> Void = { _ in }
    ) async throws -> Harness {
        try FileManager.default.createDirectory(atPath: directory + "/spool/active", withIntermediateDirectories: true)
        let simulator = AsteriskSimulator(
            options: options, logger: Logger(label: "sim") { _ in SwiftLogNoOpLogHandler() })
        var port = 1
        if startSimulator {
            port = try await simulator.start()
        } else {
            // A port nobody listens on: bind the simulator once and stop it.
            port = try await simulator.start()
            await simulator.stop()
        }
        var configuration = Configuration()
        configuration.backend = .sip
        configuration.amiHost = "127.0.0.1"
        configuration.amiPort = port
        configuration.amiUsername = "faxdrop"
        configuration.amiPassword = Secret(password)
        configuration.spool = directory + "/spool"
        configuration.header = "ACME, Inc. — Fax 100% \"urgent\""
        configuration.localStationID = "+1 555 010 0000"
        configure(&configuration)
        let logs = LogCapture()
        let backend = SIPBackend(configuration: configuration, logger: logs.logger, options: backendOptions)
        return Harness(
            simulator: simulator, backend: backend, configuration: configuration, directory: directory, logs: logs)
    }

    /// A call to `number` with a TIFF of `pages` good pages (or the given file).
    func call(_ number: String, pages: Int = 2, attempt: Int = 1, file: String? = nil) throws -> CallRequest {
        var generator = JobIDGenerator()
        let job = generator.next(milliseconds: UInt64(Date().timeIntervalSince1970 * 1000))
        let path = file ?? "\(configuration.spool)/active/\(job.value)/fax.tif"
        if file == nil {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try TestTIFF.write(path, pages: pages)
        }
        return CallRequest(
            jobID: job, attempt: attempt, destination: E164Number(number)!, tiffPath: path, pages: pages,
            pageBytes: Array(repeating: 20_000, count: pages), header: configuration.header,
            localStationID: configuration.localStationID)
    }

    func startConnected() async throws {
        await backend.start()
        let connected = await backend.waitUntilConnected(timeout: .seconds(10))
        XCTAssertTrue(connected, "backend did not connect to the simulator")
    }

    func tearDown() async {
        await backend.shutdown()
        await simulator.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
