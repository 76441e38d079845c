import FaxDropCore
import FaxDropDaemon
import FaxDropHTTP
import FaxDropNotify
import FaxDropRenderClient
import FaxDropSystem
// Exported to every test file here: `runProgram` and the other helpers the test targets share.
@_exported import FaxDropTestSupport
import Foundation
import Logging
import XCTest

/// A fresh spool in a temporary folder, and the configuration tests run with.
struct HTTPTestSpool {
    let base: String
    var root: String { base + "/spool" }
    var spool: Spool { Spool(root: root) }

    init() throws {
        var template = Array((NSTemporaryDirectory() + "faxdrop-http-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw SystemError("mkdtemp", errno: errno) }
        base = String(cString: made)
        try Spool(root: base + "/spool").createLayout()
    }

    func configuration(_ extra: [String: String] = [:]) throws -> Configuration {
        var values = [
            "FAXDROP_SPOOL": root, "FAXDROP_SETTLE_MS": "150", "FAXDROP_LOOPBACK_PAGE_SECONDS": "0",
            "FAXDROP_RESCAN_SECONDS": "0", "FAXDROP_HTTP_HOST": "127.0.0.1", "FAXDROP_HTTP_PORT": "0",
        ]
        values.merge(extra) { _, new in new }
        return try Configuration(values: values)
    }

    /// Waits for the sidecar of `id`; fails after `timeout` seconds.
    func waitForSidecar(_ id: JobID, timeout: Double) async throws -> Sidecar {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let sidecar = StatusReport.sidecar(id, spool: spool) { return sidecar }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTFail("no sidecar for \(id) within \(timeout) s")
        throw CancellationError()
    }
}

enum Fixtures {
    /// The package root (where Package.swift is).
    static let packageRoot = PackagePaths.root

    static let corpus = packageRoot + "/../shared/corpus"
    static let onePageLetter = corpus + "/pdf/23-onepage-letter.pdf"

    /// A small valid PDF written into `folder`.
    static func tinyPDF(in folder: String, name: String = "x.pdf") throws -> String {
        let path = folder + "/" + name
        let text = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A failed job's sidecar, for observers fed by hand.
    static func sidecar(destination: String) -> Sidecar {
        Sidecar(
            jobID: JobID("01KB2Y9M4Q3V8J6T0ZP1C5R7WX")!, status: .failed, destination: destination,
            document: .init(originalName: "x.pdf", storedAs: "x.pdf", bytes: 1, sha256: "", format: .pdf),
            pages: .init(total: 0, sent: 0),
            fax: .init(resolution: .fine, paper: .letter, header: "", localStationID: ""), attempts: [],
            error: .init(FaxError(.invalidDestination, "no")), queuedAt: Date(), completedAt: Date(),
            gateway: .init(host: "h", version: "v"))
    }

    static func sha256(ofFile path: String) throws -> String {
        SHA256.hex(try AtomicFile.read(path))
    }
}

extension Metrics {
    /// The exposition (no jobs, no calls) once it contains `text`, or as it is after `timeout` seconds.
    func exposition(containing text: String, timeout: Double) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var exposition = ""
        while Date() < deadline {
            exposition = self.exposition(.init(jobs: [], callsInProgress: 0, dropZoneFiles: 0, amiConnected: nil))
            if exposition.contains(text) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return exposition
    }
}

/// A logger for tests: warnings and worse on stderr.
func quietLogger() -> Logger {
    Logger(label: "faxdrop-http-test") { _ in
        FaxDropLogHandler(label: "faxdrop-http-test", format: .text, level: .warning, secrets: [])
    }
}

/// An answer as curl saw it.
struct CurlAnswer {
    var status: Int
    var body: String
    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
    }
    var errorCode: String? { (json?["error"] as? [String: Any])?["code"] as? String }
}

/// Real curl, as users run it.
func curl(_ arguments: [String]) throws -> CurlAnswer {
    let result = try runProgram("/usr/bin/curl", ["-sS", "-w", "\n%{http_code}"] + arguments)
    var lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
    let status = Int(lines.popLast() ?? "") ?? -1
    if status <= 0 { XCTFail("curl failed: \(result.error)") }
    return CurlAnswer(status: status, body: lines.joined(separator: "\n"))
}

/// The daemon's real renderer: `faxdrop-render` workers (built beside the test bundle).
/// As a service of the daemon it shuts its workers down when the daemon stops, so no
/// worker outlives its test (renderer tests count this process's workers).
final class PoolTestRenderer: DocumentRenderer, DaemonService {
    let pool = RenderPool(
        executable: RenderPool.defaultExecutable(), workers: 2, timeout: .seconds(60), logger: quietLogger())
    let serviceName = "renderer"

    func render(_ request: RenderRequest, logger: Logger) async -> RenderReply {
        await pool.render(request, logger: logger)
    }

    func start() async throws {}
    func stop() async { await pool.shutdown() }
}

/// A daemon on a test spool with the loopback line, a renderer and the ecosystem services.
struct RunningGateway {
    let spool: HTTPTestSpool
    let daemon: Daemon
    let ecosystem: EcosystemServices
    var port: Int { ecosystem.http?.boundPort ?? 0 }
    var base: String { "http://127.0.0.1:\(port)" }

    static func start(
        _ spool: HTTPTestSpool, settings: [String: String] = [:], environment: [String: String] = [:],
        renderer: (any DocumentRenderer)? = nil, logger: Logger = quietLogger(),
        webhookBackoff: WebhookNotifier.Backoff = .init(first: .milliseconds(100), max: .seconds(1), attempts: 5)
    ) async throws -> RunningGateway {
        let configuration = try spool.configuration(settings)
        let pool = renderer == nil ? PoolTestRenderer() : nil
        let daemon = Daemon(
            configuration: configuration, renderer: renderer ?? pool!,
            backend: LoopbackBackend(pageSeconds: 0, logger: logger), services: pool.map { [$0] } ?? [], logger: logger)
        let ecosystem = try await EcosystemServices.make(
            configuration: configuration, daemon: daemon, environment: environment, webhookBackoff: webhookBackoff,
            logger: logger)
        for service in ecosystem.services { daemon.add(service) }
        try await daemon.start()
        return RunningGateway(spool: spool, daemon: daemon, ecosystem: ecosystem)
    }

    func stop() async { await daemon.stop() }

    /// Settings of a gateway that takes `apiKey` and tells of each result twice: it runs the hook
    /// `onResult` and posts to `path` on the `webhook` receiver, signed with `secret`.
    static func notifying(
        apiKey: String, onResult: String, webhook: WebhookReceiver, path: String, secret: String
    ) -> [String: String] {
        [
            "API_KEY": apiKey, "FAXDROP_ON_RESULT": onResult,
            "FAXDROP_WEBHOOK_URL": "http://127.0.0.1:\(webhook.port)\(path)", "FAXDROP_WEBHOOK_SECRET": secret,
        ]
    }
}

/// Stops a child started with `ChildProcess.spawn` and its process group: SIGTERM, a grace
/// period, then SIGKILL; reaps it.
func stopChild(_ pid: pid_t, grace: Double = 0) {
    func ended() -> Bool {
        do {
            return try ChildProcess.poll(pid) != nil
        } catch {
            return true
        }
    }
    if grace > 0 {
        ChildProcess.signalGroup(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline {
            if ended() { return }
            usleep(20_000)
        }
    }
    ChildProcess.signalGroup(pid, SIGKILL)
    while !ended() { usleep(10_000) }
}
