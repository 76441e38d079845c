import Dispatch
import FaxDropCore
import FaxDropSystem
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One running `faxdrop-render --worker` process and its two pipes. The pool uses it for
/// one job at a time; replies are read by a blocking `read` on a Dispatch thread, never on
/// the cooperative thread pool.
final class WorkerProcess: @unchecked Sendable {
    enum Outcome {
        /// The worker answered. `healthy` is false when it was killed meanwhile (timeout race).
        case reply(RenderReply, healthy: Bool)
        case timedOut
        /// The worker died or answered garbage; the string says how.
        case failed(String)
        /// The request could not even be sent (the worker had exited while idle).
        case notSent(String)
    }

    let pid: pid_t
    let number: Int
    /// The worker's private temp directory (mode 0700), removed once the worker has ended.
    let scratch: String
    private let requestFD: Int32
    private let replyFD: Int32
    private let lock = NSLock()
    private var killed = false
    private var reaped = false
    private var closedRequests = false
    /// Bytes read after the last full line; only touched by the one reading thread of a job.
    private var pending: [UInt8] = []
    /// Jobs this worker has answered; a worker that has answered before may have died
    /// while idle, which is not the next document's fault.
    private var answered = 0
    var jobsAnswered: Int { lock.withLock { answered } }

    private init(pid: pid_t, number: Int, scratch: String, requestFD: Int32, replyFD: Int32) {
        self.pid = pid
        self.number = number
        self.scratch = scratch
        self.requestFD = requestFD
        self.replyFD = replyFD
    }

    deinit {
        Glibc.close(replyFD)
        if !closedRequests { Glibc.close(requestFD) }
    }

    /// Starts `executable --worker` with its stdin and stdout on new pipes and its stderr
    /// shared with this process, with an allow-listed environment (`WorkerEnvironment`) and a
    /// private temp directory of its own. The corresponding C function is `posix_spawn`.
    static func spawn(executable: String, number: Int, overrides: [String: String]) throws -> WorkerProcess {
        let daemonEnvironment = ProcessInfo.processInfo.environment
        let scratch = try Syscall.makeTemporaryDirectory(prefix: (daemonEnvironment["TMPDIR"] ?? "/tmp") + "/faxdrop-render.")
        do {
            return try spawn(
                executable: executable, number: number, scratch: scratch,
                environment: WorkerEnvironment.make(from: daemonEnvironment, overrides: overrides, scratch: scratch))
        } catch {
            try? Syscall.removeTree(scratch)
            throw error
        }
    }

    private static func spawn(executable: String, number: Int, scratch: String, environment: [String: String]) throws
        -> WorkerProcess
    {
        let toWorker = try Syscall.pipe()
        let fromWorker: (read: Int32, write: Int32)
        do {
            fromWorker = try Syscall.pipe()
        } catch {
            Syscall.close(toWorker.read)
            Syscall.close(toWorker.write)
            throw error
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toWorker.read, 0)
        posix_spawn_file_actions_adddup2(&actions, fromWorker.write, 1)
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(executable), strdup("--worker"), nil]
        defer { for p in argv { free(p) } }
        let cEnvironment = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in cEnvironment { free(p) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, cEnvironment)
        Syscall.close(toWorker.read)
        Syscall.close(fromWorker.write)
        guard result == 0 else {
            Syscall.close(toWorker.write)
            Syscall.close(fromWorker.read)
            throw SystemError("posix_spawn", path: executable, errno: result)
        }
        return WorkerProcess(pid: pid, number: number, scratch: scratch, requestFD: toWorker.write, replyFD: fromWorker.read)
    }

    /// Sends one request and waits for its reply, killing the worker at `timeout`.
    func perform(_ request: RenderRequest, timeout: Duration) async -> Outcome {
        var line: [UInt8]
        do {
            line = Array(try JSONEncoder().encode(request))
        } catch {
            return .failed("cannot encode the request: \(error)")
        }
        line.append(0x0A)
        do {
            try line.withUnsafeBytes { try Syscall.writeAll(requestFD, $0) }
        } catch {
            return .notSent("cannot send the request: \(error)")
        }
        let timer = Task { [self] in
            do {
                try await Task.sleep(for: timeout)
            } catch {
                return
            }
            kill()
        }
        let answer: [UInt8]? = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { [self] in continuation.resume(returning: readLine()) }
        }
        timer.cancel()
        let wasKilled = lock.withLock { killed }
        if let answer, let reply = try? JSONDecoder().decode(RenderReply.self, from: Data(answer)), reply.id == request.id {
            lock.withLock { answered += 1 }
            return .reply(reply, healthy: !wasKilled)
        }
        if wasKilled { return .timedOut }
        if let answer {
            return .failed("the renderer answered something unreadable: \(String(decoding: answer.prefix(200), as: UTF8.self))")
        }
        let status = await reap()
        return .failed("the renderer \(status)")
    }

    /// Reads up to the next newline; nil at end of file (the worker exited or was killed).
    private func readLine() -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                let line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                return line
            }
            let n = chunk.withUnsafeMutableBytes { raw in Glibc.read(replyFD, raw.baseAddress, raw.count) }
            if n > 0 {
                pending.append(contentsOf: chunk[0..<n])
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return nil
            }
        }
    }

    /// Sends SIGKILL (once). The corresponding C function is `kill`.
    func kill() {
        lock.withLock {
            guard !killed, !reaped else { return }
            killed = true
            _ = Glibc.kill(pid, SIGKILL)
        }
    }

    /// Closes the worker's stdin: an idle worker exits at end of input.
    func closeRequests() {
        lock.withLock {
            guard !closedRequests else { return }
            closedRequests = true
            Glibc.close(requestFD)
        }
    }

    /// Waits for the process to end, off the cooperative pool; describes how it ended.
    /// The corresponding C function is `waitpid`.
    func reap() async -> String {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { [self] in
                let alreadyReaped = lock.withLock { reaped }
                if alreadyReaped {
                    continuation.resume(returning: "ended")
                    return
                }
                var status: Int32 = 0
                var result: pid_t
                repeat { result = waitpid(pid, &status, 0) } while result == -1 && errno == EINTR
                lock.withLock { reaped = true }
                // A worker killed mid-job leaves its job's temp directory behind: remove it all.
                try? Syscall.removeTree(scratch)
                continuation.resume(returning: WorkerProcess.describe(status: status, result: result))
            }
        }
    }

    static func describe(status: Int32, result: pid_t) -> String {
        guard result > 0 else { return "ended (status unknown)" }
        let signal = status & 0x7F
        if signal == 0 { return "exited with status \((status >> 8) & 0xFF)" }
        let name = strsignal(signal).map { String(cString: $0) } ?? "signal \(signal)"
        return "was killed by \(name)"
    }
}
