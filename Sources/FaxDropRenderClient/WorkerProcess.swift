import Dispatch
import FaxDropCore
import FaxDropSystem
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One running `faxdrop-render --worker` process, its two pipes, and the one thread that
/// owns them. The pool uses it for one job at a time.
///
/// All blocking work on the pipes and the process happens on that thread (named
/// `render-worker-<n>`): writing a request, reading its reply line, and, once the worker's
/// output ends, `waitpid` and the removal of its scratch folder. Nothing here blocks an
/// actor, the cooperative pool or an event loop; callers hand a job to the thread and
/// `await` its answer. The partial line read after a reply lives on that thread alone.
final class WorkerProcess: Sendable {
    enum Outcome {
        /// The worker answered. `healthy` is false when it was killed meanwhile (timeout race).
        case reply(RenderReply, healthy: Bool)
        case timedOut
        /// The worker died or answered garbage; the string says how.
        case failed(String)
        /// The request could not even be sent (the worker had exited while idle).
        case notSent(String)
    }

    /// What the owning thread is asked to do, in order.
    private enum Message: Sendable {
        /// Write `line`, then read one reply line: `.sent(line)`, `.notSent(reason)`, or
        /// `.sent(nil)` when the worker's output ended first.
        case job([UInt8], CheckedContinuation<Exchange, Never>)
        /// Close the worker's stdin (an idle worker exits at end of input).
        case closeRequests
    }

    private enum Exchange: Sendable {
        case sent([UInt8]?)
        case notSent(String)
    }

    private struct State {
        var inbox: [Message] = []
        var killed = false
        var closeAsked = false
        /// How the process ended, once the owning thread has reaped it.
        var ended: String?
        var reapWaiters: [CheckedContinuation<String, Never>] = []
        /// Jobs this worker has answered; a worker that has answered before may have died
        /// while idle, which is not the next document's fault.
        var answered = 0
    }

    let pid: pid_t
    let number: Int
    /// The worker's private temp directory (mode 0700), removed once the worker has ended.
    let scratch: String
    private let state = Mutex(State())
    private let wakeup = DispatchSemaphore(value: 0)

    var jobsAnswered: Int { state.withLock { $0.answered } }

    private init(pid: pid_t, number: Int, scratch: String) {
        self.pid = pid
        self.number = number
        self.scratch = scratch
    }

    /// Starts `executable --worker` with its stdin and stdout on new pipes and its stderr
    /// shared with this process, with an allow-listed environment (`WorkerEnvironment`) and a
    /// private temp directory of its own, through `ChildProcess.spawn`.
    static func spawn(executable: String, number: Int, overrides: [String: String]) throws -> WorkerProcess {
        let daemonEnvironment = ProcessInfo.processInfo.environment
        let scratch = try Syscall.makeTemporaryDirectory(
            prefix: (daemonEnvironment["TMPDIR"] ?? "/tmp") + "/faxdrop-render.")
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
        let requests = FileDescriptor(owning: toWorker.write)
        let workerInput = FileDescriptor(owning: toWorker.read)
        let fromWorker = try Syscall.pipe()
        let replies = FileDescriptor(owning: fromWorker.read)
        let workerOutput = FileDescriptor(owning: fromWorker.write)
        // The child's ends are closed here when this returns or throws; the worker has its copies.
        let pid = try ChildProcess.spawn(
            [executable, "--worker"], environment: environment, standardInput: workerInput.rawValue,
            standardOutput: workerOutput.rawValue, ownProcessGroup: false)
        _ = consume workerInput
        _ = consume workerOutput
        let worker = WorkerProcess(pid: pid, number: number, scratch: scratch)
        let requestFD = requests.release()
        let replyFD = replies.release()
        let thread = Thread {
            Syscall.nameCurrentThread("render-worker-\(number)")
            worker.serve(requests: FileDescriptor(owning: requestFD), replies: FileDescriptor(owning: replyFD))
        }
        thread.start()
        return worker
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
        let timer = Task { [self] in
            do {
                try await Task.sleep(for: timeout)
            } catch {
                return
            }
            kill()
        }
        let exchange = await withCheckedContinuation { post(.job(line, $0)) }
        timer.cancel()
        let answer: [UInt8]?
        switch exchange {
        case .notSent(let reason): return .notSent(reason)
        case .sent(let line): answer = line
        }
        let wasKilled = state.withLock { $0.killed }
        if let answer, let reply = try? JSONDecoder().decode(RenderReply.self, from: Data(answer)),
            reply.id == request.id
        {
            state.withLock { $0.answered += 1 }
            return .reply(reply, healthy: !wasKilled)
        }
        if wasKilled { return .timedOut }
        if let answer {
            return .failed(
                "the renderer answered something unreadable: \(String(decoding: answer.prefix(200), as: UTF8.self))")
        }
        let status = await reap()
        return .failed("the renderer \(status)")
    }

    /// Sends SIGKILL (once, and never to a reaped pid). The corresponding C function is `kill`.
    func kill() {
        state.withLock { s in
            guard !s.killed, s.ended == nil else { return }
            s.killed = true
            _ = Glibc.kill(pid, SIGKILL)
        }
    }

    /// Closes the worker's stdin: an idle worker exits at end of input.
    func closeRequests() {
        let first = state.withLock { s in
            defer { s.closeAsked = true }
            return !s.closeAsked
        }
        if first { post(.closeRequests) }
    }

    /// Waits for the process to end (it ends once its stdin is closed or it was killed);
    /// describes how it ended. The owning thread reaps it.
    func reap() async -> String {
        await withCheckedContinuation { continuation in
            let ended: String? = state.withLock { s in
                if s.ended == nil { s.reapWaiters.append(continuation) }
                return s.ended
            }
            if let ended { continuation.resume(returning: ended) }
        }
    }

    /// Hands `message` to the owning thread; once the worker has ended and its thread is
    /// gone, a job is answered at once.
    private func post(_ message: Message) {
        let ended: String? = state.withLock { s in
            if s.ended == nil { s.inbox.append(message) }
            return s.ended
        }
        guard let ended else {
            wakeup.signal()
            return
        }
        if case .job(_, let continuation) = message {
            continuation.resume(returning: .notSent("the renderer \(ended)"))
        }
    }

    private func nextMessage() -> Message {
        while true {
            wakeup.wait()
            if let message = state.withLock({ s in s.inbox.isEmpty ? nil : s.inbox.removeFirst() }) { return message }
        }
    }

    // MARK: The owning thread

    /// The thread's whole life: jobs until the worker's output ends or its input is closed,
    /// then the reap. Both descriptors are owned here and closed once, by this function.
    private func serve(requests: consuming FileDescriptor, replies: consuming FileDescriptor) {
        var pending: [UInt8] = []
        var outputEnded = false
        serving: while true {
            switch nextMessage() {
            case .closeRequests:
                break serving
            case .job(let line, let continuation):
                do {
                    try line.withUnsafeBytes { try Syscall.writeAll(requests.rawValue, $0) }
                } catch {
                    continuation.resume(returning: .notSent("cannot send the request: \(error)"))
                    continue serving
                }
                let answer = Self.readLine(replies.rawValue, pending: &pending)
                continuation.resume(returning: .sent(answer))
                if answer == nil {
                    outputEnded = true
                    break serving
                }
            }
        }
        _ = consume requests  // closed: an idle worker exits at end of input
        if !outputEnded { while Self.readLine(replies.rawValue, pending: &pending) != nil {} }
        _ = consume replies
        let ended: String
        do {
            ended = "\(try Syscall.wait(for: pid))"
        } catch {
            ended = "ended (status unknown: \(error))"
        }
        // A worker killed mid-job leaves its job's temp directory behind: remove it all.
        try? Syscall.removeTree(scratch)
        let (waiters, unanswered) = state.withLock { s in
            s.ended = ended
            defer {
                s.reapWaiters.removeAll()
                s.inbox.removeAll()
            }
            return (s.reapWaiters, s.inbox)
        }
        for waiter in waiters { waiter.resume(returning: ended) }
        for case .job(_, let continuation) in unanswered {
            continuation.resume(returning: .notSent("the renderer \(ended)"))
        }
    }

    /// Reads up to the next newline; nil at end of file (the worker exited or was killed).
    private static func readLine(_ fd: Int32, pending: inout [UInt8]) -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                let line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                return line
            }
            let n = (try? chunk.withUnsafeMutableBytes { raw in try Syscall.read(fd, into: raw) }) ?? 0
            guard n > 0 else { return nil }
            pending.append(contentsOf: chunk[0..<n])
        }
    }
}
