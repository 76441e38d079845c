import FaxDropAMI
import FaxDropAsterisk
import FaxDropCore
import FaxDropDaemon
import Foundation
import Logging
import Synchronization

/// `FAXDROP_ASTERISK_NODES` (issue 14): one AMI session (a `SIPBackend`) per node, driven
/// as one `NodePool`; the engine learns which nodes are up.
final class NodePoolService: DaemonService {
    let serviceName = "asterisk-nodes"
    let pool: NodePool
    let backends: [(name: String, backend: SIPBackend)]
    private let engine = Mutex<Engine?>(nil)
    private let watcher = Mutex<Task<Void, Never>?>(nil)
    /// Any node logged in, for `/healthz`.
    let anyConnected = Mutex(false)

    init(_ configuration: Configuration, logger: Logger) {
        backends = configuration.asteriskNodes.map { node in
            var one = configuration
            one.amiHost = node.host
            one.amiPort = node.port
            one.amiUsername = node.username
            one.amiPassword = node.secret
            var log = logger
            log[metadataKey: "node"] = "\(node.name)"
            return (node.name, SIPBackend(configuration: one, logger: log))
        }
        pool = NodePool(
            members: backends.map { entry in
                NodePool.Member(name: entry.name, backend: entry.backend, isUp: { await entry.backend.isConnected })
            },
            grace: configuration.nodeGrace, logger: logger)
    }

    /// The engine that hears of nodes going up and down.
    func attach(_ engine: Engine) { self.engine.withLock { $0 = engine } }

    func start() async throws {
        for entry in backends { await entry.backend.start() }
        for entry in backends { _ = await entry.backend.waitUntilConnected(timeout: .seconds(2)) }
        let pool = self.pool
        let task = Task { [self] in
            await pool.watch { node, up in
                let connected = pool.snapshot.values.contains { $0.up }
                self.anyConnected.withLock { $0 = connected }
                await self.engine.withLock({ $0 })?.nodeChanged(node, up: up)
            }
        }
        watcher.withLock { $0 = task }
    }

    func stop() async {
        watcher.withLock { $0 }?.cancel()
        for entry in backends { await entry.backend.shutdown() }
    }
}
