import ArgumentParser
import FaxDropAMI
import FaxDropAsterisk
import FaxDropConsole
import FaxDropCore
import FaxDropDaemon
import FaxDropHTTP
import Foundation
import Hummingbird

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the gateway: watch the drop zone, render, send, write sidecars.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let configuration = try common.load()
        let logger = configuration.makeLogger()
        let renderer = RenderPoolService(configuration, logger: logger)
        var services: [any DaemonService] = [renderer]
        let backend: any FaxBackend
        var amiConnected: (@Sendable () async -> Bool?)? = nil
        var receiveNodes: [ReceiveService.Node] = []
        var nodePool: NodePoolService? = nil
        switch configuration.backend {
        case .loopback:
            backend = LoopbackBackend(pageSeconds: configuration.loopbackPageSeconds, logger: logger)
        case .sip where !configuration.asteriskNodes.isEmpty:
            let nodes = NodePoolService(configuration, logger: logger)
            services.append(nodes)
            amiConnected = { nodes.anyConnected.withLock { $0 } }
            backend = nodes.pool
            // Every node receives: each one's AMI session reports its own faxes.
            receiveNodes = zip(nodes.backends, configuration.asteriskNodes).map { entry, node in
                ReceiveService.Node(name: entry.name, source: entry.backend, receivingDir: node.receivingDir)
            }
            nodePool = nodes
        case .sip:
            let sip = SIPBackend(configuration: configuration, logger: logger)
            services.append(SIPBackendService(backend: sip))
            amiConnected = { await sip.isConnected }
            backend = sip
            receiveNodes = [ReceiveService.Node(name: nil, source: sip)]
        }
        // Receiving (SPEC §10) starts before the AMI connection, so the copies Asterisk
        // reports at log-in find it listening; it also finishes landings a crash interrupted.
        let receiver = ReceiveService(
            lander: try ReceiveLander.make(configuration), nodes: receiveNodes, logger: logger,
            orphanAge: .seconds(60 * configuration.incomingOrphanMinutes))
        services.insert(receiver, at: 1)
        let daemon = Daemon(
            configuration: configuration, renderer: renderer, backend: backend, services: services, logger: logger)
        nodePool?.attach(daemon.engine)
        do {
            let environment = try common.environment()
            let spool = daemon.spool
            let previews = daemon.makePreviewService(logger: logger)
            // The web console (issue 11), on the API's server at `/`.
            let console: @Sendable (JobIndexObserver) throws -> @Sendable (Router<FaxDropRequestContext>) -> Void = {
                index in
                let settings = try ConsoleSettings(environment: environment, configuration: configuration)
                let console = try Console(
                    spool: spool, settings: settings,
                    keys: KeyRing.load(apiKey: configuration.apiKey, keysFile: settings.keysFile),
                    listing: IndexJobListing(spool: spool, index: { index.index }),
                    previews: PreviewServiceAdapter(previews), pageImages: KeptFaxPages(spool: spool), logger: logger)
                return { router in console.addRoutes(to: router) }
            }
            let ecosystem = try await EcosystemServices.make(
                configuration: configuration, daemon: daemon, amiConnected: amiConnected, receiver: receiver,
                console: console, logger: logger)
            for service in ecosystem.services { daemon.add(service) }
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        // SIGTERM/SIGINT end `run` normally (exit 0); a service that cannot start or stops
        // working ends it with its error, after the others have stopped.
        do {
            try await daemon.run()
        } catch {
            logger.critical("faxdrop stopped on an error", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }
}
