import FaxDropAMI
import FaxDropAsterisk
import FaxDropCore
import FaxDropDaemon
import FaxDropRenderClient
import FaxDropSystem
import Logging

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
            logger.warning(
                "renderer sandbox inactive, documents are rendered unconfined", metadata: ["reason": "\(reason)"])
        }
    }

    func render(_ request: RenderRequest, logger: Logger) async -> RenderReply {
        await pool.render(request, logger: logger)
    }

    func start() async throws {}
    func stop() async { await pool.shutdown() }
}

/// The AMI connection as a service: connected before the intake starts, closed last
/// (which hands calls still live back to Asterisk, not hung up).
struct SIPBackendService: DaemonService {
    let backend: SIPBackend
    let serviceName = "asterisk"

    /// Connects in the background; waits briefly so the first jobs find AMI ready. Jobs
    /// that find it unreachable wait without burning an attempt.
    func start() async throws {
        await backend.start()
        _ = await backend.waitUntilConnected(timeout: .seconds(2))
    }

    func stop() async {
        await backend.shutdown()
    }
}
