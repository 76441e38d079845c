import FaxDropCore
import FaxDropSystem
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon's side of rendering (SPEC §4, §9): a pool of `faxdrop-render --worker`
/// processes, each keeping its Ghostscript instance between jobs. The daemon never links
/// libgs; it talks to the workers over pipes, one JSON line each way per job.
///
/// A worker that does not answer within `timeout` is killed (SIGKILL) and the job fails
/// `conversion_timeout`; a worker that crashes fails its job `conversion_failed`, except
/// that a job whose worker had already answered earlier jobs is given once to a fresh
/// worker first (see `render`). Either way the worker is replaced on demand and the other
/// jobs keep flowing. Workers are started lazily, up to `workers` at a time.
public actor RenderPool {
    private let executable: String
    private let size: Int
    private let timeout: Duration
    private let logger: Logger
    private let environment: [String: String]
    private var idle: [WorkerProcess] = []
    private var busy: [Int: WorkerProcess] = [:]
    private var alive = 0
    private var started = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var isShutDown = false

    /// `environment` is added to the workers' allow-listed environment (`WorkerEnvironment`),
    /// e.g. `FAXDROP_RENDER_SANDBOX=off` for the benchmark's comparison.
    public init(
        executable: String, workers: Int, timeout: Duration, logger: Logger, environment: [String: String] = [:]
    ) {
        self.executable = executable
        self.size = max(1, workers)
        self.timeout = timeout
        self.logger = logger
        self.environment = environment
        // A worker that died must make our write fail with EPIPE, not kill this process.
        signal(SIGPIPE, SIG_IGN)
    }

    /// The `faxdrop-render` beside the running executable (found through /proc/self/exe).
    /// The caller handles overrides such as `FAXDROP_RENDERER`.
    public static func defaultExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return "faxdrop-render" }
        let path = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return "faxdrop-render" }
        return String(path[...slash]) + "faxdrop-render"
    }

    /// Renders one document. Never throws: every failure is a reply with a stable code.
    public func render(_ request: RenderRequest, logger: Logger) async -> RenderReply {
        var logger = logger
        logger[metadataKey: "job"] = "\(request.id)"
        // A worker that exited while idle is noticed when the request cannot be written to
        // it, or when a worker that had answered before dies without answering this job;
        // the job then goes to a fresh worker (once). A document that kills workers kills
        // the fresh one too and fails `conversion_failed`.
        for attempt in 1...2 {
            let worker: WorkerProcess
            do {
                worker = try await checkOut(logger: logger)
            } catch {
                logger.error("cannot start a renderer", metadata: ["error": "\(error)", "executable": "\(executable)"])
                return Self.failure(request, .conversionFailed, "the renderer cannot be started: \(error)")
            }
            logger.debug("rendering", metadata: ["worker": "\(worker.number)", "input": "\(request.input)"])
            let reused = worker.jobsAnswered > 0
            let outcome = await worker.perform(request, timeout: timeout)
            if case .failed(let reason) = outcome, reused, attempt == 1, !isShutDown {
                await retire(worker)
                logger.warning(
                    "renderer died without answering; retrying on a fresh one",
                    metadata: ["reason": "\(reason)", "worker": "\(worker.number)"])
                continue
            }
            if case .notSent(let reason) = outcome {
                await retire(worker)
                logger.warning(
                    "renderer had exited; replaced", metadata: ["reason": "\(reason)", "worker": "\(worker.number)"])
                if attempt == 1 { continue }
                return Self.failure(request, .conversionFailed, reason)
            }
            return await finish(request, worker: worker, outcome: outcome, logger: logger)
        }
        return Self.failure(request, .conversionFailed, "the renderer could not take the job")
    }

    private func finish(
        _ request: RenderRequest, worker: WorkerProcess, outcome: WorkerProcess.Outcome, logger: Logger
    ) async -> RenderReply {
        switch outcome {
        case .reply(let reply, let healthy):
            if healthy { checkIn(worker) } else { await retire(worker) }
            if let error = reply.error {
                logger.info(
                    "render failed",
                    metadata: [
                        "code": "\(error.code.rawValue)", "reason": "\(error.message)", "worker": "\(worker.number)",
                    ])
            } else {
                logger.info(
                    "rendered",
                    metadata: [
                        "pages": "\(reply.pages)", "bytes": "\(reply.pageBytes.reduce(0, +))",
                        "seconds": "\(String(format: "%.3f", reply.seconds))", "worker": "\(worker.number)",
                    ])
            }
            return reply
        case .timedOut where isShutDown:
            await retire(worker)
            return Self.failure(request, .conversionFailed, "the renderer was stopped: FaxDrop is shutting down")
        case .timedOut:
            await retire(worker)
            logger.warning("render timed out; worker killed", metadata: ["worker": "\(worker.number)"])
            return Self.failure(
                request, .conversionTimeout, "rendering took longer than \(timeout) (FAXDROP_RENDER_TIMEOUT)")
        case .failed(let reason), .notSent(let reason):
            await retire(worker)
            logger.warning(
                "renderer failed; worker replaced", metadata: ["reason": "\(reason)", "worker": "\(worker.number)"])
            return Self.failure(request, .conversionFailed, reason)
        }
    }

    /// Stops taking jobs, lets idle workers exit (and waits for them) and kills busy ones
    /// without waiting: each busy worker is reaped by the `render` call it was serving,
    /// which then returns `conversion_failed`.
    public func shutdown() async {
        isShutDown = true
        let waiters = waiting
        waiting.removeAll()
        for waiter in waiters { waiter.resume() }
        let idleWorkers = idle
        idle.removeAll()
        for worker in idleWorkers {
            worker.closeRequests()
            _ = await worker.reap()
            alive -= 1
        }
        for worker in busy.values { worker.kill() }
    }

    // MARK: Worker accounting

    private struct ShutDown: Error, CustomStringConvertible {
        var description: String { "the render pool is shut down" }
    }

    private func checkOut(logger: Logger) async throws -> WorkerProcess {
        while true {
            if isShutDown { throw ShutDown() }
            if let worker = idle.popLast() {
                busy[worker.number] = worker
                return worker
            }
            if alive < size {
                alive += 1
                started += 1
                do {
                    let worker = try WorkerProcess.spawn(
                        executable: executable, number: started, overrides: environment)
                    busy[worker.number] = worker
                    logger.debug("renderer started", metadata: ["worker": "\(worker.number)", "pid": "\(worker.pid)"])
                    return worker
                } catch {
                    alive -= 1
                    wakeOne()
                    throw error
                }
            }
            await withCheckedContinuation { waiting.append($0) }
        }
    }

    private func checkIn(_ worker: WorkerProcess) {
        busy[worker.number] = nil
        if isShutDown {
            worker.closeRequests()
            alive -= 1
            return
        }
        idle.append(worker)
        wakeOne()
    }

    private func retire(_ worker: WorkerProcess) async {
        busy[worker.number] = nil
        worker.kill()
        worker.closeRequests()
        alive -= 1
        wakeOne()
        _ = await worker.reap()
    }

    private func wakeOne() {
        if !waiting.isEmpty { waiting.removeFirst().resume() }
    }

    private static func failure(_ request: RenderRequest, _ code: ErrorCode, _ message: String) -> RenderReply {
        RenderReply(
            id: request.id, format: nil, pages: 0, pageBytes: [], seconds: 0, error: .init(code: code, message: message)
        )
    }
}
