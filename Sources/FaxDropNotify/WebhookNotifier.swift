import FaxDropCore
import FaxDropDaemon
import FaxDropSystem
import Foundation
import Logging
import Synchronization

/// `FAXDROP_WEBHOOK_URL` (`http://` or `https://`): when a job ends, POSTs its sidecar file,
/// byte for byte, with `X-FaxDrop-Timestamp: <unix seconds>` and
/// `X-FaxDrop-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with
/// FAXDROP_WEBHOOK_SECRET>`: a receiver that checks the signature and refuses old
/// timestamps cannot be fed a recorded delivery again. Each attempt is signed afresh. Each delivery runs in its own task, retried with exponential
/// backoff on a connection error, a timeout, 408, 429 or 5xx; the engine only hands the
/// path over and never waits. Deliveries still pending at shutdown are dropped (logged):
/// the sidecars stay in `done/` and `failed/` for a consumer to reconcile.
public final class WebhookNotifier: EngineObserver, DaemonService {
    public let serviceName = "webhook"
    public let target: HTTPPost.Target
    private let secret: Secret?
    private let client: HTTPPost
    private let backoff: Backoff
    private let metrics: (any NotificationCounters)?
    private let logger: Logger
    private let state = Mutex(State())

    struct State {
        var tasks: [Int: Task<Void, Never>] = [:]
        var next = 0
        var stopped = false
        /// Callers of `drained()` waiting for `tasks` to become empty, by a key of their own.
        var drainWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    /// Retry delays: `first`, doubled each time up to `max`, for at most `attempts` tries.
    public struct Backoff: Sendable {
        public var first: Duration
        public var max: Duration
        public var attempts: Int
        public init(first: Duration = .seconds(2), max: Duration = .seconds(300), attempts: Int = 10) {
            self.first = first
            self.max = max
            self.attempts = attempts
        }

        func delay(after attempt: Int) -> Duration {
            var d = first
            for _ in 1..<Swift.max(1, attempt) where d < max { d = d * 2 }
            return Swift.min(d, max)
        }
    }

    /// How long `stop` waits for deliveries in flight.
    public let stopGrace: Duration

    /// The most deliveries waiting at once; beyond it a delivery is dropped and logged.
    public static let maxPending = 1000

    public init(
        target: HTTPPost.Target, secret: Secret?, client: HTTPPost = HTTPPost(), backoff: Backoff = Backoff(),
        stopGrace: Duration = .seconds(5), metrics: (any NotificationCounters)? = nil, logger: Logger
    ) {
        self.stopGrace = stopGrace
        self.target = target
        self.secret = secret.flatMap { $0.isEmpty ? nil : $0 }
        self.client = client
        self.backoff = backoff
        self.metrics = metrics
        self.logger = logger
    }

    /// The `X-FaxDrop-Signature` value for `body` sent at `timestamp` (unix seconds):
    /// `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`.
    public static func signature(timestamp: Int64, body: [UInt8], secret: Secret) -> String {
        "sha256=" + HMACSHA256.hex(key: Array(secret.value.utf8), message: Array("\(timestamp).".utf8) + body)
    }

    public func start() async throws {
        if secret == nil {
            logger.warning("FAXDROP_WEBHOOK_URL is set without FAXDROP_WEBHOOK_SECRET: webhooks are not signed")
        }
    }

    /// Gives deliveries in flight `stopGrace` to end (jobs that ended during the shutdown),
    /// then drops the rest. Returns as soon as the last delivery ends, and at the latest when
    /// the grace is over: a delivery still waiting to retry is cancelled; one whose transfer is
    /// on the wire is cancelled too and runs out on its own, bounded by the client's timeout.
    public func stop() async {
        let deadline = ContinuousClock.now + stopGrace
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.drained() }
            group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
            await group.next()
            group.cancelAll()
        }
        let pending = state.withLock { s -> [Task<Void, Never>] in
            s.stopped = true
            return Array(s.tasks.values)
        }
        if !pending.isEmpty {
            logger.warning(
                "stopping with webhook deliveries pending; they are dropped", metadata: ["count": "\(pending.count)"])
        }
        for task in pending { task.cancel() }
    }

    /// Returns once no delivery is in flight (at once when none is), or when the calling task
    /// is cancelled. Woken by the last delivery task as it ends, not by polling.
    func drained() async {
        let key = state.withLock { s in
            s.next += 1
            return s.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let wait = state.withLock { s in
                    guard !s.tasks.isEmpty, !Task.isCancelled else { return false }
                    s.drainWaiters[key] = continuation
                    return true
                }
                if !wait { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.drainWaiters.removeValue(forKey: key) }?.resume()
        }
    }

    public func jobFinished(_ sidecar: Sidecar, sidecarPath: String) {
        enqueue(sidecar.jobID, sidecarPath: sidecarPath, event: sidecar.status == .sent ? "fax.sent" : "fax.failed")
    }

    /// Delivers `sidecarPath` in its own task; `event` goes out as `X-FaxDrop-Event`
    /// (`fax.sent`, `fax.failed`, `fax.received`).
    func enqueue(_ job: JobID, sidecarPath: String, event: String) {
        state.withLock { s in
            guard !s.stopped else { return }
            guard s.tasks.count < Self.maxPending else {
                logger.error("too many webhook deliveries pending; this one is dropped", metadata: ["job": "\(job)"])
                return
            }
            let key = s.next
            s.next += 1
            s.tasks[key] = Task { [self] in
                await deliver(job, sidecarPath: sidecarPath, event: event)
                let waiters = state.withLock { s in
                    s.tasks[key] = nil
                    guard s.tasks.isEmpty else { return [CheckedContinuation<Void, Never>]() }
                    defer { s.drainWaiters = [:] }
                    return Array(s.drainWaiters.values)
                }
                for waiter in waiters { waiter.resume() }
            }
        }
    }

    /// Posts one sidecar until it is accepted, refused for good, or the attempts run out.
    func deliver(_ job: JobID, sidecarPath: String, event: String) async {
        var log = logger
        log[metadataKey: "job"] = "\(job)"
        let body: [UInt8]
        do {
            body = try AtomicFile.read(sidecarPath)
        } catch {
            log.error("webhook: cannot read the sidecar", metadata: ["path": "\(sidecarPath)", "error": "\(error)"])
            return
        }
        for attempt in 1...backoff.attempts {
            if Task.isCancelled { return }
            let timestamp = Int64(Date().timeIntervalSince1970)
            var headers = [
                ("Content-Type", "application/json"), ("X-FaxDrop-Job", job.value), ("X-FaxDrop-Attempt", "\(attempt)"),
                ("X-FaxDrop-Timestamp", "\(timestamp)"), ("X-FaxDrop-Event", event),
            ]
            if let secret {
                headers.append(
                    ("X-FaxDrop-Signature", Self.signature(timestamp: timestamp, body: body, secret: secret)))
            }
            let problem: String
            do {
                let status = try await client.post(target, headers: headers, body: body)
                if (200..<300).contains(status) {
                    metrics?.webhook("delivered")
                    log.info("webhook delivered", metadata: ["status": "\(status)", "attempt": "\(attempt)"])
                    return
                }
                guard status == 408 || status == 429 || status >= 500 else {
                    metrics?.webhook("abandoned")
                    log.error("webhook refused; not retried", metadata: ["status": "\(status)", "url": "\(target)"])
                    return
                }
                problem = "HTTP \(status)"
            } catch {
                problem = "\(error)"
            }
            guard attempt < backoff.attempts else { break }
            metrics?.webhook("retried")
            let delay = backoff.delay(after: attempt)
            log.warning(
                "webhook failed; will retry",
                metadata: [
                    "attempt": "\(attempt)", "problem": "\(problem)", "retry_in": "\(delay)", "url": "\(target)",
                ])
            do {
                try await Task.sleep(for: delay)
            } catch {
                return
            }
        }
        metrics?.webhook("abandoned")
        log.error(
            "webhook not delivered; giving up", metadata: ["attempts": "\(backoff.attempts)", "url": "\(target)"])
    }
}
