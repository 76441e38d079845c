import FaxDropCore
import FaxDropWatcher
import Foundation
import Logging
import Synchronization

/// A part of the daemon that starts and stops: started in order, stopped in reverse.
public protocol DaemonService: Sendable {
    var serviceName: String { get }
    func start() async throws
    func stop() async
    /// Called once the whole daemon is taking files (after every `start`).
    func daemonDidStart() async
    /// Called when stopping begins, before the intake stops.
    func daemonWillStop() async
}

extension DaemonService {
    public func daemonDidStart() async {}
    public func daemonWillStop() async {}
}

/// `faxdrop run`: the watcher feeds the engine, which renders, calls and writes sidecars.
/// On SIGTERM or SIGINT the intake stops taking files first; calls in flight end or are
/// journaled; then the remaining services stop in reverse order of their start.
public final class Daemon: Sendable {
    public let configuration: Configuration
    public let engine: Engine
    public let spool: Spool
    private let intake: Intake
    private let services: Mutex<[any DaemonService]>
    private let logger: Logger
    private let stopSignal = Mutex<CheckedContinuation<Void, Never>?>(nil)
    private let stopRequested = Atomic<Bool>(false)

    /// - Parameters:
    ///   - services: extra services (render pool, AMI connection, HTTP), started before the
    ///     intake in this order and stopped after it in reverse.
    public init(
        configuration: Configuration, renderer: any DocumentRenderer, backend: any FaxBackend,
        services: [any DaemonService] = [], logger: Logger
    ) {
        self.configuration = configuration
        self.spool = Spool(root: configuration.spool)
        self.logger = logger
        self.engine = Engine(
            spool: spool, settings: Engine.Settings(configuration), renderer: renderer, backend: backend, logger: logger)
        self.intake = Intake(
            outgoing: spool.outgoing, settle: configuration.settle,
            rescanInterval: configuration.rescanInterval.timeInterval, logger: logger)
        // The kept fax images' sweep starts first, so an expired image never outlives a start.
        let retention = ImageRetention(spool: spool, days: configuration.keepImagesDays, logger: logger)
        self.services = Mutex([retention] + services)
    }

    /// Adds a service (HTTP, metrics, notifications) that needs the daemon itself; call
    /// before `start()`. It starts after the services given at init.
    public func add(_ service: any DaemonService) {
        services.withLock { $0.append(service) }
    }

    /// Starts everything and returns once the daemon is taking files.
    public func start() async throws {
        try spool.createLayout()
        for service in services.withLock({ $0 }) {
            logger.debug("starting", metadata: ["service": "\(service.serviceName)"])
            try await service.start()
        }
        try await engine.start()
        let engine = self.engine
        try intake.start { path in await engine.take(path) }
        for service in services.withLock({ $0 }) { await service.daemonDidStart() }
        logger.info(
            "faxdrop is running",
            metadata: [
                "spool": "\(spool.root)", "backend": "\(configuration.backend.rawValue)",
                "version": "\(FaxDropVersion.string)",
            ])
    }

    /// Stops in order: intake, engine (calls in flight), then services in reverse.
    public func stop() async {
        for service in services.withLock({ $0 }) { await service.daemonWillStop() }
        await intake.stop()
        await engine.stop()
        for service in services.withLock({ $0 }).reversed() { await service.stop() }
        logger.info("faxdrop stopped")
    }

    /// Runs until SIGTERM/SIGINT or `requestStop()`, then stops gracefully.
    public func run() async throws {
        try await start()
        let sources = [SIGTERM, SIGINT].map { sig -> any DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                logger.info("signal received; stopping", metadata: ["signal": "\(sig)"])
                requestStop()
            }
            source.resume()
            return source
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let already = stopSignal.withLock { slot -> Bool in
                if stopRequested.load(ordering: .acquiring) { return true }
                slot = continuation
                return false
            }
            if already { continuation.resume() }
        }
        for source in sources { source.cancel() }
        await stop()
    }

    public func requestStop() {
        stopRequested.store(true, ordering: .releasing)
        let continuation = stopSignal.withLock { slot -> CheckedContinuation<Void, Never>? in
            defer { slot = nil }
            return slot
        }
        continuation?.resume()
    }

    /// Asks the watcher for a full rescan of the drop zone.
    public func rescan() { intake.rescan() }
}
