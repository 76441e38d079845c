import FaxDropCore
import FaxDropDaemon
import FaxDropSystem
import Foundation
import Logging
import Synchronization

/// `FAXDROP_ON_RESULT`: when a job ends, runs the configured command with the sidecar's
/// path as its last argument, as HylaFAX's `notify` does. The command is the operator's
/// own shell text; the path is never pasted into it but passed as `$1`:
///
///     /bin/sh -c '<FAXDROP_ON_RESULT> "$1"' faxdrop-on-result <sidecar path>
///
/// so no file or folder name can inject shell syntax. The hook also gets
/// `FAXDROP_JOB_ID`, `FAXDROP_STATUS`, `FAXDROP_ERROR_CODE`, `FAXDROP_DESTINATION` and
/// `FAXDROP_SIDECAR` in its environment, and none of FaxDrop's secrets. Hooks run beside
/// the engine, a few at a time; one that outlives `timeout` is terminated.
public final class ResultHook: EngineObserver, ReceiveObserver, DaemonService {
    public let serviceName = "on-result"
    public let command: String
    public let timeout: Duration
    /// The setting the command came from (in log lines): `FAXDROP_ON_RESULT` or `FAXDROP_ON_RECEIVE`.
    public let name: String
    private let environment: [String: String]
    private let metrics: (any NotificationCounters)?
    private let logger: Logger
    private let slots = HookSlots(limit: 4)
    private let tasks = Mutex<(running: [Int: Task<Void, Never>], next: Int, stopped: Bool)>(([:], 0, false))

    /// Variables a hook never inherits.
    public static let secretVariables = [
        "API_KEY", "ASTERISK_AMI_PASSWORD", "SIP_PASSWORD", "FAXDROP_WEBHOOK_SECRET", "NOTIFY_SOCKET",
    ]

    public init(
        command: String, name: String = "FAXDROP_ON_RESULT", timeout: Duration = .seconds(60),
        environment: [String: String] = ProcessInfo.processInfo.environment, metrics: (any NotificationCounters)? = nil,
        logger: Logger
    ) {
        self.command = command
        self.timeout = timeout
        self.name = name
        self.environment = environment.filter { !Self.secretVariables.contains($0.key) }
        self.metrics = metrics
        self.logger = logger
    }

    /// The argv that runs the hook for `sidecarPath`.
    public func arguments(sidecarPath: String) -> [String] {
        [
            "/bin/sh", "-c", command + " \"$1\"",
            name == "FAXDROP_ON_RESULT" ? "faxdrop-on-result" : "faxdrop-on-receive", sidecarPath,
        ]
    }

    public func start() async throws {}

    /// Waits for hooks already running (each is bounded by `timeout`); starts no more.
    public func stop() async {
        let running = tasks.withLock { t -> [Task<Void, Never>] in
            t.stopped = true
            return Array(t.running.values)
        }
        for task in running { await task.value }
    }

    public func jobFinished(_ sidecar: Sidecar, sidecarPath: String) {
        var env = environment
        env["FAXDROP_JOB_ID"] = sidecar.jobID.value
        env["FAXDROP_STATUS"] = sidecar.status.rawValue
        env["FAXDROP_ERROR_CODE"] = sidecar.error?.code.rawValue ?? ""
        env["FAXDROP_DESTINATION"] = sidecar.destination
        env["FAXDROP_SIDECAR"] = sidecarPath
        launch(sidecar.jobID, sidecarPath: sidecarPath, environment: env)
    }

    func launch(_ job: JobID, sidecarPath: String, environment env: [String: String]) {
        let hookEnvironment = env
        tasks.withLock { t in
            guard !t.stopped else { return }
            let key = t.next
            t.next += 1
            t.running[key] = Task { [self] in
                await slots.acquire()
                await run(job, sidecarPath: sidecarPath, environment: hookEnvironment)
                await slots.release()
                _ = tasks.withLock { $0.running.removeValue(forKey: key) }
            }
        }
    }

    /// `FAXDROP_ON_RECEIVE`: the received fax's sidecar path as `$1`; its id, status, DID,
    /// folder and PDF path in the environment (caller text only as sanitised in the sidecar).
    public func faxReceived(_ landed: ReceiveLander.Landed) {
        var env = environment
        env["FAXDROP_RECEIVE_ID"] = landed.sidecar.id.value
        env["FAXDROP_STATUS"] = landed.sidecar.status.rawValue
        env["FAXDROP_ERROR_CODE"] = landed.sidecar.error?.code.rawValue ?? ""
        env["FAXDROP_DID"] = landed.sidecar.did ?? ""
        env["FAXDROP_FOLDER"] = landed.sidecar.folder
        env["FAXDROP_CALLER"] = landed.sidecar.caller
        env["FAXDROP_PDF"] = landed.pdfPath ?? ""
        env["FAXDROP_SIDECAR"] = landed.sidecarPath
        launch(landed.sidecar.id, sidecarPath: landed.sidecarPath, environment: env)
    }

    func run(_ job: JobID, sidecarPath: String, environment: [String: String]) async {
        var log = logger
        log[metadataKey: "job"] = "\(job)"
        let pid: pid_t
        do {
            pid = try ChildProcess.spawn(arguments(sidecarPath: sidecarPath), environment: environment)
        } catch {
            metrics?.hook("failed")
            log.error("\(name) could not be started", metadata: ["error": "\(error)"])
            return
        }
        // Reaped by one blocking `waitpid` on a thread of its own (at most 4 hooks run at
        // once); a timer stops a hook that outlives `timeout`, then kills it 5 s later.
        let terminated = Atomic<Bool>(false)
        let timeout = self.timeout
        let timer = Task {
            do {
                try await Task.sleep(for: timeout)
                terminated.store(true, ordering: .releasing)
                ChildProcess.signalGroup(pid, SIGTERM)
                try await Task.sleep(for: .seconds(5))
                ChildProcess.signalGroup(pid, SIGKILL)
            } catch {}
        }
        let reaped = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<ChildProcess.Termination, any Error>, Never>) in
            let thread = Thread { continuation.resume(returning: Result { try ChildProcess.wait(pid) }) }
            thread.name = "faxdrop-hook-wait"
            thread.start()
        }
        timer.cancel()
        let ended: ChildProcess.Termination?
        switch reaped {
        case .success(let termination): ended = termination
        case .failure(let error):
            log.error("\(name): cannot learn how the hook ended", metadata: ["error": "\(error)"])
            return
        }
        switch ended {
        case .exited(0)?:
            metrics?.hook("ok")
            log.info("\(name) ran", metadata: ["exit": "0"])
        case _ where terminated.load(ordering: .acquiring):
            metrics?.hook("timeout")
            log.warning("\(name) took too long and was stopped", metadata: ["timeout": "\(timeout)"])
        case .exited(let code)?:
            metrics?.hook("failed")
            log.warning("\(name) failed", metadata: ["exit": "\(code)"])
        case .signalled(let signal)?:
            metrics?.hook("failed")
            log.warning("\(name) was killed", metadata: ["signal": "\(signal)"])
        case nil:
            break
        }
    }
}

/// A counting semaphore for hook processes.
actor HookSlots {
    private let limit: Int
    private var inUse = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = limit }

    func acquire() async {
        if inUse < limit {
            inUse += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            inUse -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
