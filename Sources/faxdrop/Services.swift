import FaxDropAMI
import FaxDropAsterisk
import FaxDropCore
import FaxDropDaemon
import FaxDropRenderClient
import FaxDropSystem
import Logging
import Synchronization

/// The renderer pool as the daemon's renderer and as a service it stops on the way out.
struct RenderPoolService: DocumentRenderer, DaemonService {
    let pool: RenderPool
    let serviceName = "renderer"

    init(_ configuration: Configuration, logger: Logger) {
        pool = RenderPool(
            executable: configuration.renderer ?? RenderPool.defaultExecutable(), workers: configuration.renderWorkers,
            timeout: configuration.renderTimeout, logger: logger,
            environment: ["FAXDROP_RENDER_SANDBOX": configuration.renderSandbox ? "on" : "off"])
        // Said once, at start: documents are rendered unconfined (issue 9).
        if !configuration.renderSandbox {
            logger.warning("renderer sandbox inactive: FAXDROP_RENDER_SANDBOX=off")
        } else if case .unavailable(let reason) = Landlock.availability() {
            logger.warning("renderer sandbox inactive, documents are rendered unconfined", metadata: ["reason": "\(reason)"])
        }
    }

    func render(_ request: RenderRequest, logger: Logger) async -> RenderReply {
        await pool.render(request, logger: logger)
    }

    func start() async throws {}
    func stop() async { await pool.shutdown() }
}

/// The AMI connection as a service: connected before the intake starts, closed last. It
/// keeps a synchronous copy of "logged in" for `/healthz` and the metrics.
final class SIPBackendService: DaemonService {
    let backend: SIPBackend
    let serviceName = "asterisk"
    let connected = Mutex(false)
    private let watcher = Mutex<Task<Void, Never>?>(nil)

    init(backend: SIPBackend) {
        self.backend = backend
    }
    /// Connects in the background; waits briefly so the first jobs find AMI ready. Jobs
    /// that find it unreachable wait without burning an attempt.
    func start() async throws {
        await backend.start()
        _ = await backend.waitUntilConnected(timeout: .seconds(2))
        let task = Task { [self] in
            while !Task.isCancelled {
                let now = await backend.isConnected
                connected.withLock { $0 = now }
                try? await Task.sleep(for: .seconds(1))
            }
        }
        watcher.withLock { $0 = task }
    }

    func stop() async {
        watcher.withLock { $0 }?.cancel()
        await backend.shutdown()
    }
}
