import FaxDropDaemon
import FaxDropSystem
import Foundation
import Logging
import Synchronization

/// systemd's `Type=notify` protocol (sd_notify(3)), spoken by FaxDrop itself: `READY=1`
/// once the daemon takes files, `WATCHDOG=1` every half `WATCHDOG_USEC` while the engine
/// answers, `STOPPING=1` when a graceful stop begins. Without `NOTIFY_SOCKET` it does nothing.
public final class SystemdNotifier: DaemonService {
    public let serviceName = "systemd-notify"
    public let socketPath: String?
    /// Half the watchdog period systemd asked for, or `nil` when there is no watchdog.
    public let watchdogInterval: Duration?
    private let alive: @Sendable () async -> Bool
    private let logger: Logger
    private let socket: UnixDatagramSocket?
    private let watchdog = BackgroundTask()
    /// Set after a failed send, so a run of failures is logged once.
    private let failing = Atomic<Bool>(false)

    /// - Parameter alive: asked before each watchdog ping; a ping is sent only when it
    ///   returns `true`, so a wedged engine stops the pings and systemd restarts FaxDrop.
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        alive: @escaping @Sendable () async -> Bool = { true }, logger: Logger
    ) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path
        self.alive = alive
        self.logger = logger
        socket = path == nil ? nil : try? UnixDatagramSocket()
        watchdogInterval = Self.watchdogInterval(environment)
    }

    /// `WATCHDOG_USEC / 2`, when the watchdog is meant for this process (`WATCHDOG_PID`).
    static func watchdogInterval(_ environment: [String: String]) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let usec = Int64(text), usec > 0 else { return nil }
        if let pid = environment["WATCHDOG_PID"].flatMap(Int32.init), pid != getpid() { return nil }
        return .microseconds(usec / 2)
    }

    /// Sends one notification (`KEY=VALUE` lines); `false` when there is no socket or it failed.
    @discardableResult
    public func notify(_ text: String) -> Bool {
        guard let socket, let socketPath else { return false }
        do {
            try socket.send(Array(text.utf8), to: socketPath)
            if failing.exchange(false, ordering: .relaxed) { logger.info("notifying systemd again") }
            return true
        } catch {
            if !failing.exchange(true, ordering: .relaxed) {
                logger.warning("cannot notify systemd", metadata: ["socket": "\(socketPath)", "error": "\(error)"])
            }
            return false
        }
    }

    public func start() async throws {
        guard socketPath != nil, let interval = watchdogInterval else { return }
        let alive = self.alive
        watchdog.start { [weak self] in
            while !Task.isCancelled {
                if await alive() { self?.notify("WATCHDOG=1") }
                try? await Task.sleep(for: interval)
            }
        }
        logger.info(
            "systemd watchdog on",
            metadata: [
                "interval_ms":
                    "\(interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000)"
            ])
    }

    public func daemonDidStart() async {
        notify("READY=1\nSTATUS=taking files\nMAINPID=\(getpid())")
    }

    public func daemonWillStop() async {
        notify("STOPPING=1\nSTATUS=stopping: finishing calls in flight")
    }

    public func stop() async { await watchdog.stop() }
}
