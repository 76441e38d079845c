import FaxDropCore
import FaxDropWatcher
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// A part of the daemon that starts and stops: started in order, stopped in reverse. Each
/// runs as one `Service` of the daemon's `ServiceGroup` (see `OrderedService`).
public protocol DaemonService: Sendable {
    var serviceName: String { get }
    func start() async throws
    /// Runs between `start` and `stop`: returns when the daemon stops. A part whose work can
    /// end on its own (the HTTP listener) throws when it does, which stops the daemon.
    func serve() async throws
    func stop() async
    /// Called once the whole daemon is taking files (after every `start`).
    func daemonDidStart() async
    /// Called when stopping begins, before the intake stops.
    func daemonWillStop() async
}

extension DaemonService {
    public func serve() async throws { await untilShutdown() }
    public func daemonDidStart() async {}
    public func daemonWillStop() async {}
}

/// `faxdrop run`: the watcher feeds the engine, which renders, calls and writes sidecars.
///
/// Every part is a service of one swift-service-lifecycle `ServiceGroup`: the extra
/// services (render pool, receiving, AMI, HTTP, hooks, notifiers), then the engine, then
/// the intake, each starting once the one before it has. SIGTERM or SIGINT shuts them down
/// gracefully in reverse: the intake stops taking files first; the engine waits for calls
/// in flight for at most `FAXDROP_STOP_TIMEOUT`, then hands the rest back to Asterisk (their
/// journals say the attempt is in flight; the next start reconciles them); then the other
/// services stop. A part that fails to start, or dies (the HTTP listener), shuts the group
/// down the same way and `run` throws.
public final class Daemon: Sendable {
    /// What the shutdown may take beyond `FAXDROP_STOP_TIMEOUT` (the services after the
    /// engine); past it the group cancels what is left, which may take `cancellationLimit`
    /// more before the process is ended. systemd's `TimeoutStopSec` (180 s in
    /// `etc/faxdrop.service`) must exceed `FAXDROP_STOP_TIMEOUT` + both.
    public static let stopGrace: Duration = .seconds(15)
    public static let cancellationLimit: Duration = .seconds(10)

    public let configuration: Configuration
    public let engine: Engine
    public let spool: Spool
    private let intake: Intake
    private let services: Mutex<[any DaemonService]>
    private let logger: Logger
    private let running = Mutex<(group: ServiceGroup, task: Task<Void, any Error>)?>(nil)

    /// - Parameters:
    ///   - services: extra services (render pool, AMI connection, HTTP), started before the
    ///     engine and intake in this order and stopped after them in reverse.
    public init(
        configuration: Configuration, renderer: any DocumentRenderer, backend: any FaxBackend,
        services: [any DaemonService] = [], logger: Logger
    ) {
        self.configuration = configuration
        self.spool = Spool(root: configuration.spool)
        self.logger = logger
        self.engine = Engine(
            spool: spool, settings: Engine.Settings(configuration), renderer: renderer, backend: backend, logger: logger
        )
        self.intake = Intake(
            outgoing: spool.outgoing, settle: configuration.settle,
            rescanInterval: configuration.rescanInterval.timeInterval, logger: logger)
        // The kept fax images' sweep starts first, so an expired image never outlives a start.
        let retention = ImageRetention(spool: spool, days: configuration.keepImagesDays, logger: logger)
        self.services = Mutex([retention] + services)
    }

    /// Adds a service (HTTP, metrics, notifications) that needs the daemon itself; call
    /// before `start()` or `run()`. It starts after the services given at init.
    public func add(_ service: any DaemonService) {
        services.withLock { $0.append(service) }
    }

    /// Runs until SIGTERM/SIGINT, then shuts down gracefully. Throws when a service could
    /// not start or stopped working. (`handlingSignals: false`: tests, which end it with
    /// the failure of a service.)
    public func run(handlingSignals: Bool = true) async throws {
        let (group, _) = try makeGroup(signals: handlingSignals)
        try await group.run()
        logger.info("faxdrop stopped")
    }

    /// Starts everything in the background and returns once the daemon is taking files
    /// (tests, and embedding). Throws the error of a service that could not start; the
    /// services started before it are stopped by then.
    public func start() async throws {
        let (group, ready) = try makeGroup(signals: false)
        let task = Task { try await group.run() }
        running.withLock { $0 = (group, task) }
        guard await ready.wait() else {
            running.withLock { $0 = nil }
            try await task.value
            throw DaemonStopped()
        }
    }

    /// Shuts a daemon begun with `start()` down gracefully and waits until it has stopped.
    public func stop() async {
        guard
            let current = running.withLock({ r in
                defer { r = nil }
                return r
            })
        else { return }
        await current.group.triggerGracefulShutdown()
        do {
            try await current.task.value
        } catch {
            logger.error("a service failed while stopping", metadata: ["error": "\(error)"])
        }
        logger.info("faxdrop stopped")
    }

    /// Asks the watcher for a full rescan of the drop zone.
    public func rescan() { intake.rescan() }

    /// The group: the services, the engine, the intake and the "running" line, chained so
    /// each starts after the one before. The returned signal fires `true` once all started.
    private func makeGroup(signals: Bool) throws -> (ServiceGroup, ready: OneShot<Bool>) {
        try spool.createLayout()
        let extra = services.withLock { $0 }
        let engine = self.engine
        let parts: [any DaemonService] =
            extra + [
                EnginePart(engine: engine, callDeadline: configuration.stopTimeout),
                IntakePart(intake: intake, engine: engine),
                RunningPart(services: extra, configuration: configuration, spool: spool, logger: logger),
            ]
        var previous: OneShot<Bool>?
        var chained: [ServiceGroupConfiguration.ServiceConfiguration] = []
        for part in parts {
            let started = OneShot<Bool>()
            chained.append(
                .init(
                    service: OrderedService(part: part, after: previous, started: started, logger: logger),
                    successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: part.serviceName))
            previous = started
        }
        var group = ServiceGroupConfiguration(
            services: chained, gracefulShutdownSignals: signals ? [.sigterm, .sigint] : [], logger: logger)
        group.maximumGracefulShutdownDuration = configuration.stopTimeout + Self.stopGrace
        group.maximumCancellationDuration = Self.cancellationLimit
        return (ServiceGroup(configuration: group), previous!)
    }
}

/// `start()` returned without the daemon running: it was stopped while starting.
public struct DaemonStopped: Error, CustomStringConvertible {
    public var description: String { "the daemon was stopped while it started" }
}

/// The engine as a service: resumes journals at start; at shutdown waits for calls in
/// flight up to `callDeadline`, then hands them back.
struct EnginePart: DaemonService {
    let engine: Engine
    let callDeadline: Duration
    let serviceName = "engine"

    func start() async throws { try await engine.start() }
    func stop() async { await engine.stop(handingBackCallsAfter: callDeadline) }
}

/// The drop zone's intake as a service: the first to stop, so no file is claimed during
/// the shutdown.
struct IntakePart: DaemonService {
    let intake: Intake
    let engine: Engine
    let serviceName = "intake"

    func start() async throws {
        let engine = self.engine
        try intake.start(onSettled: { paths in await engine.take(paths) })
    }

    func stop() async { await intake.stop() }
}

/// The last part: once it starts, everything before it has; it tells the services so
/// (systemd's `READY=1`), and at shutdown, being first to be told, that stopping begins.
struct RunningPart: DaemonService {
    let services: [any DaemonService]
    let configuration: Configuration
    let spool: Spool
    let logger: Logger
    let serviceName = "running"

    func start() async throws {
        for service in services { await service.daemonDidStart() }
        logger.info(
            "faxdrop is running",
            metadata: [
                "spool": "\(spool.root)", "backend": "\(configuration.backend.rawValue)",
                "version": "\(FaxDropVersion.string)",
            ])
    }

    func stop() async {
        logger.info("stopping")
        for service in services { await service.daemonWillStop() }
    }
}
