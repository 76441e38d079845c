import Logging
import ServiceLifecycle
import Synchronization

/// A value set once; one task waits for it. The first `fire` wins, later ones are ignored.
final class OneShot<Value: Sendable>: Sendable {
    private let state = Mutex<(value: Value?, waiter: CheckedContinuation<Value, Never>?)>((nil, nil))

    func fire(_ value: Value) {
        let waiter = state.withLock { s -> CheckedContinuation<Value, Never>? in
            guard s.value == nil else { return nil }
            s.value = value
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: value)
    }

    func wait() async -> Value {
        await withCheckedContinuation { continuation in
            let now = state.withLock { s -> Value? in
                if let value = s.value { return value }
                s.waiter = continuation
                return nil
            }
            if let now { continuation.resume(returning: now) }
        }
    }
}

/// One part of the daemon as a `Service` of the `ServiceGroup`. The group runs every
/// service at once; this adapter makes them start one after another: a part starts only
/// once the part before it has started (`after`), and never if the daemon is told to stop
/// first. It then serves until its own graceful shutdown — which the group gives in
/// reverse order — and stops. A part whose `start` or `serve` throws ends the group.
struct OrderedService: Service, CustomStringConvertible {
    let part: any DaemonService
    /// Fires `true` once the previous part has started; `nil` for the first part.
    let after: OneShot<Bool>?
    /// Fires `true` once this part has started, `false` if it never will.
    let started: OneShot<Bool>
    let logger: Logger

    var description: String { part.serviceName }

    func run() async throws {
        if let after {
            let mayStart = await withTaskCancellationOrGracefulShutdownHandler {
                await after.wait()
            } onCancelOrGracefulShutdown: {
                after.fire(false)
            }
            guard mayStart else {
                // Never started. It still ends only at its own turn of the shutdown: a
                // service that ends out of turn makes the group cancel the others at once.
                started.fire(false)
                await untilShutdown()
                return
            }
        }
        logger.debug("starting", metadata: ["service": "\(part.serviceName)"])
        do {
            try await part.start()
        } catch {
            started.fire(false)
            logger.critical("cannot start", metadata: ["service": "\(part.serviceName)", "error": "\(error)"])
            throw error
        }
        started.fire(true)
        do {
            try await part.serve()
        } catch {
            logger.critical("stopped working", metadata: ["service": "\(part.serviceName)", "error": "\(error)"])
            await part.stop()
            throw error
        }
        logger.debug("stopping", metadata: ["service": "\(part.serviceName)"])
        await part.stop()
    }
}

/// Waits for the current service's graceful shutdown (or its cancellation).
public func untilShutdown() async {
    try? await gracefulShutdown()
}

/// Waits for the current service's graceful shutdown or for `work` to end, whichever is
/// first. Returns `true` when `work` ended first (the service died on its own).
public func untilShutdown(orEndOf work: Task<Void, Never>) async -> Bool {
    let first = OneShot<Bool>()
    let watcher = Task {
        await work.value
        first.fire(true)
    }
    let ended = await withTaskCancellationOrGracefulShutdownHandler {
        await first.wait()
    } onCancelOrGracefulShutdown: {
        first.fire(false)
    }
    watcher.cancel()
    return ended
}
