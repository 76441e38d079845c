import FaxDropCore
import Foundation
import Logging
import Synchronization

/// `FAXDROP_ASTERISK_NODES`: several Asterisk nodes driven as one backend (issue 14). The
/// scheduler picks each call's node (`CallRequest.node`); the pool hands the call to that
/// node's own backend — one AMI session per node — and counts what each node did.
///
/// A node that goes down during a call: the call stays live while the node's session may
/// still reconcile it (the session machine keeps it across a reconnect). When the node is
/// still down after `grace`, the call ends `interrupted` — the scheduler retries it, resumed,
/// on a node that is up — and the node's own call is cancelled, so one job never has two
/// calls FaxDrop considers live.
public final class NodePool: FaxBackend {
    public struct Member: Sendable {
        public var name: String
        public var backend: any FaxBackend
        /// Whether the node's AMI session is logged in.
        public var isUp: @Sendable () async -> Bool

        public init(name: String, backend: any FaxBackend, isUp: @escaping @Sendable () async -> Bool) {
            self.name = name
            self.backend = backend
            self.isUp = isUp
        }
    }

    /// One node's counters, for /metrics and `status`.
    public struct Counters: Sendable, Equatable {
        public var up = false
        public var callsStarted = 0
        public var callsLive = 0
        /// Ended calls by outcome (`sent` or an error code; `unavailable` when not placed).
        public var outcomes: [String: Int] = [:]
    }

    public let name = "sip"
    public let members: [Member]
    let grace: Duration
    let pollInterval: Duration
    let logger: Logger
    private let counters: Mutex<[String: Counters]>

    public init(
        members: [Member], grace: Duration = .seconds(60), pollInterval: Duration = .milliseconds(200), logger: Logger
    ) {
        self.members = members
        self.grace = grace
        self.pollInterval = pollInterval
        self.logger = logger
        counters = Mutex(Dictionary(uniqueKeysWithValues: members.map { ($0.name, Counters()) }))
    }

    public var snapshot: [String: Counters] { counters.withLock { $0 } }

    private func member(_ name: String?) -> Member? {
        guard let name else { return members.count == 1 ? members[0] : nil }
        return members.first { $0.name == name }
    }

    private func count(_ node: String, _ change: (inout Counters) -> Void) {
        counters.withLock { all in change(&all[node, default: Counters()]) }
    }

    public func send(_ call: CallRequest) async -> CallResult {
        guard let member = member(call.node) else {
            return CallResult(status: .unavailable, pagesSent: 0, message: "no Asterisk node named \(call.node ?? "-")")
        }
        guard await member.isUp() else {
            count(member.name) { $0.outcomes["unavailable", default: 0] += 1 }
            return CallResult(status: .unavailable, pagesSent: 0, message: "Asterisk node \(member.name) is down")
        }
        count(member.name) {
            $0.callsStarted += 1
            $0.callsLive += 1
        }
        let result = await raceAgainstOutage(member, call)
        count(member.name) {
            $0.callsLive -= 1
            $0.outcomes[Self.outcome(result.status), default: 0] += 1
        }
        return result
    }

    public func reconcile(_ call: CallRequest, startedAt: Date) async -> CallResult? {
        guard let member = member(call.node) else { return nil }
        return await member.backend.reconcile(call, startedAt: startedAt)
    }

    public func resultJournaled(jobID: JobID, attempt: Int) async {
        // The call id names no node: every node forgets its copy, if it has one.
        for member in members { await member.backend.resultJournaled(jobID: jobID, attempt: attempt) }
    }

    /// Reports every node's state once, then each change, until the task is cancelled.
    public func watch(_ report: @escaping @Sendable (_ node: String, _ up: Bool) async -> Void) async {
        var known: [String: Bool] = [:]
        while !Task.isCancelled {
            for member in members {
                let up = await member.isUp()
                guard known[member.name] != up else { continue }
                known[member.name] = up
                count(member.name) { $0.up = up }
                logger.notice(up ? "Asterisk node up" : "Asterisk node down", metadata: ["node": "\(member.name)"])
                await report(member.name, up)
            }
            try? await Task.sleep(for: pollInterval)
        }
    }

    /// The node's call, unless the node stays down longer than `grace` first.
    private func raceAgainstOutage(_ member: Member, _ call: CallRequest) async -> CallResult {
        let race = Race()
        let grace = self.grace
        let pollInterval = self.pollInterval
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<CallResult, Never>) in
                race.begin(continuation)
                let sender = Task { _ = race.finish(await member.backend.send(call)) }
                race.setSender(sender)
                Task {
                    var downSince: ContinuousClock.Instant?
                    while !race.isFinished {
                        if await member.isUp() {
                            downSince = nil
                        } else if let since = downSince {
                            if ContinuousClock.now - since >= grace {
                                let interrupted = CallResult(
                                    status: .failed(.interrupted), pagesSent: 0,
                                    message: "Asterisk node \(member.name) was down for \(grace) during the call")
                                if race.finish(interrupted) { sender.cancel() }
                                return
                            }
                        } else {
                            downSince = ContinuousClock.now
                        }
                        try? await Task.sleep(for: pollInterval)
                    }
                }
            }
        } onCancel: {
            race.cancelSender()
        }
    }

    static func outcome(_ status: CallResult.Status) -> String {
        switch status {
        case .sent: return "sent"
        case .unavailable: return "unavailable"
        case .failed(let code): return code.rawValue
        }
    }
}

/// The first of a call's end and its node's outage wins; the other is dropped.
private final class Race: Sendable {
    private struct State {
        var continuation: CheckedContinuation<CallResult, Never>?
        var finished = false
        var sender: Task<Void, Never>?
        var cancelled = false
    }
    private let state = Mutex(State())

    var isFinished: Bool { state.withLock { $0.finished } }

    func begin(_ continuation: CheckedContinuation<CallResult, Never>) {
        state.withLock { $0.continuation = continuation }
    }

    func setSender(_ task: Task<Void, Never>) {
        let cancel = state.withLock { s -> Bool in
            s.sender = task
            return s.cancelled
        }
        if cancel { task.cancel() }
    }

    func cancelSender() {
        let task = state.withLock { s -> Task<Void, Never>? in
            s.cancelled = true
            return s.sender
        }
        task?.cancel()
    }

    /// Resumes the caller with `result` if nothing did yet; true when this call did.
    @discardableResult
    func finish(_ result: CallResult) -> Bool {
        let continuation = state.withLock { s -> CheckedContinuation<CallResult, Never>? in
            guard !s.finished else { return nil }
            s.finished = true
            defer { s.continuation = nil }
            return s.continuation
        }
        continuation?.resume(returning: result)
        return continuation != nil
    }
}
