import ArgumentParser
import FaxDropAMI
import FaxDropCore
import FaxDropDaemon
import Foundation

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
        switch configuration.backend {
        case .loopback:
            backend = LoopbackBackend(pageSeconds: configuration.loopbackPageSeconds, logger: logger)
        case .sip:
            let sip = SIPBackend(configuration: configuration, logger: logger)
            services.append(SIPBackendService(backend: sip))
            backend = sip
        }
        let daemon = Daemon(
            configuration: configuration, renderer: renderer, backend: backend, services: services, logger: logger)
        do {
            try await daemon.run()
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }
}
