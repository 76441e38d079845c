import FaxDropCore
import Foundation

/// FaxDrop's job scheduler as a pure state machine (SPEC §2). It owns the jobs' journal
/// records, never touches the outside world, and takes the time as an argument, so a
/// three-hour retry window is tested in a millisecond.
///
/// Every event method returns the actions the driver must perform, in order. The driver
/// calls `tick(now:)` at `nextWakeup(after:)` and whenever it likes; every other event also
/// starts the calls that became possible.
public struct Scheduler: Sendable {
    public internal(set) var jobs: [JobID: JobRecord] = [:]
    /// Changing the policy re-indexes every job (its kill times and routes may change).
    public var policy: SchedulerPolicy {
        didSet { rebuild() }
    }
    /// Jobs with a live call (or one being reconciled).
    public internal(set) var inCall: Set<JobID> = []
    /// Start times of recent calls by destination, for the per-hour limit.
    var callLog = DestinationCallLog(window: 3600)
    var lastPrune = Date.distantPast
    var nextPrune = Date.distantPast
    /// The waiting jobs, indexed for dispatch (issue 14).
    var index = WaitingIndex()
    /// Live calls by destination.
    var liveByDestination: [String: Int] = [:]
    /// The Asterisk nodes (one unnamed, unlimited node when the policy names none), their
    /// state, and the routes they make.
    var nodes: [NodePolicy] = []
    var nodeUp: [Bool] = []
    var nodeLive: [Int] = []
    var buckets: [TokenBucket] = []
    var routeTable = RouteTable(nodes: [])
    /// The node each live call is on.
    var callNode: [JobID: Int] = [:]
    /// Calls started and ended per node name, for /metrics.
    var nodeCounters: [String: (started: Int, outcomes: [String: Int])] = [:]
    /// How a dispatch picks the calls to start: through the index (issue 14). The
    /// equivalence tests run this same state machine with the sorting dispatch the index
    /// replaced, to check that both start and fail the same jobs in the same order.
    var dispatcher: @Sendable (inout Scheduler, Date) -> [SchedulerAction] = { $0.indexedDispatch(now: $1) }

    public init(policy: SchedulerPolicy) {
        self.policy = policy
        rebuild()
    }

    public var callsInProgress: Int { inCall.count }

    // MARK: Admission

    /// Takes a job in: a new claim (state `queued`) or one recovered from its journal.
    /// A job the scheduler already holds is ignored, so it can never end twice.
    ///
    /// At start-up prefer the array form of `admit` with every journal at once: one by one,
    /// a waiting job could be dialled before a call still in flight to the same destination
    /// is known.
    public mutating func admit(_ record: JobRecord, now: Date) -> [SchedulerAction] {
        guard jobs[record.jobID] == nil else { return [] }
        let actions = take(record, now: now)
        return jobs[record.jobID]?.state == .waiting ? actions + dispatch(now: now) : actions
    }

    /// Takes many jobs in at once (recovery at start-up). Every journal is taken before any
    /// call starts, so calls that were in flight hold their slots and destinations; then
    /// calls start oldest first.
    public mutating func admit(_ records: [JobRecord], now: Date) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        for record in records.sorted(by: { $0.jobID < $1.jobID }) where jobs[record.jobID] == nil {
            actions += take(record, now: now)
        }
        return actions + dispatch(now: now)
    }

    // MARK: Rendering

    /// The document rendered to `pages` pages.
    public mutating func renderSucceeded(
        _ id: JobID, pages: Int, pageBytes: [Int], format: DocumentFormat?, now: Date
    ) -> [SchedulerAction] {
        guard var record = jobs[id], record.state == .converting else { return [] }
        record.pagesTotal = pages
        record.pageBytes = pageBytes
        if let format { record.format = format }
        if record.cancelRequested {
            setJob(id, record)
            return fail(id, FaxError(.cancelled, "cancelled by the operator before dialling"))
        }
        record.state = .waiting
        setJob(id, record)
        return [.persist(id)] + dispatch(now: now)
    }

    /// The document could not be rendered: the job fails with the renderer's code (or
    /// `cancelled`, when the operator cancelled it meanwhile).
    public mutating func renderFailed(_ id: JobID, _ error: FaxError, format: DocumentFormat?, now: Date)
        -> [SchedulerAction]
    {
        guard var record = jobs[id], record.state == .converting else { return [] }
        if let format { record.format = format }
        setJob(id, record)
        if record.cancelRequested {
            return fail(id, FaxError(.cancelled, "cancelled by the operator before dialling"))
        }
        return fail(id, error)
    }

    // MARK: Calls

    /// The live call moved from dialling to sending (the far end answered).
    public mutating func callAnswered(_ id: JobID) -> [SchedulerAction] {
        guard var record = jobs[id], record.state == .dialing, inCall.contains(id) else { return [] }
        record.state = .sending
        setJob(id, record)
        return [.persist(id)]
    }

    /// A call ended with `result`.
    public mutating func callEnded(_ id: JobID, _ result: CallResult, now: Date) -> [SchedulerAction] {
        guard var record = jobs[id], inCall.contains(id), let index = record.attempts.indices.last else { return [] }
        let node = leaveCall(id, destination: record.destination)
        var attempt = record.attempts[index]
        if let name = attempt.node {
            let outcome: String
            switch result.status {
            case .sent: outcome = "sent"
            case .unavailable: outcome = "unavailable"
            case .failed(let code): outcome = code.rawValue
            }
            nodeCounters[name, default: (0, [:])].outcomes[outcome, default: 0] += 1
        }

        if case .unavailable = result.status {
            // The call was never placed: the attempt does not count, nor does it count
            // against the per-hour limit, and the job waits for the backend — or, when its
            // node went down, goes at once to another node serving its route.
            record.attempts.removeLast()
            callLog.forget(record.destination, at: attempt.startedAt)
            record.state = .waiting
            let nodeWentDown = node.map { !nodeUp[$0] } ?? false
            record.notBefore = nodeWentDown ? now : now.addingTimeInterval(policy.retryUnavailable)
            setJob(id, record)
            if record.cancelRequested {
                return fail(id, FaxError(.cancelled, "cancelled by the operator")) + dispatch(now: now)
            }
            return [.persist(id)] + dispatch(now: now)
        }

        attempt.endedAt = now
        attempt.pagesSent = result.pagesSent
        attempt.details = result.details
        attempt.message = result.message.isEmpty ? nil : result.message
        let confirmed = pagesConfirmed(record, adding: result.pagesSent, from: attempt.firstPage)

        switch result.status {
        case .unavailable:
            preconditionFailure("handled above")
        case .sent:
            attempt.outcome = "sent"
            record.attempts[index] = attempt
            // The far end confirmed every page, whatever this attempt alone counted.
            record.pagesSent = record.pagesTotal ?? confirmed
            record.state = .done
            record.notBefore = nil
            record.lastError = nil
            setJob(id, record)
            return [.persist(id), .finish(id)] + dispatch(now: now)
        case .failed(let code):
            attempt.outcome = code.rawValue
            record.attempts[index] = attempt
            record.pagesSent = confirmed
            setJob(id, record)
            if record.cancelRequested || code == .cancelled {
                return fail(id, FaxError(.cancelled, "cancelled by the operator during the call")) + dispatch(now: now)
            }
            let message = result.message.isEmpty ? Self.defaultMessage(code) : result.message
            return retryOrFail(id, FaxError(code, message), now: now) + dispatch(now: now)
        }
    }

    /// `callEnded` for one attempt (the AMI ActionID names it): a result for any other
    /// attempt — a repeated or late event — is ignored.
    public mutating func callEnded(_ id: JobID, attempt: Int, _ result: CallResult, now: Date) -> [SchedulerAction] {
        guard inCall.contains(id), jobs[id]?.attempts.last?.number == attempt else { return [] }
        return callEnded(id, result, now: now)
    }

    /// The journal said a call was in flight and the backend cannot tell what became of it:
    /// the attempt is recorded as `interrupted` and retried.
    public mutating func callLost(_ id: JobID, now: Date) -> [SchedulerAction] {
        callEnded(
            id,
            CallResult(
                status: .failed(.interrupted), pagesSent: 0,
                message: "the gateway stopped during the call and its outcome could not be learnt"),
            now: now)
    }

    // MARK: Operator and time

    /// `faxdrop cancel`: a queued or waiting job ends `cancelled` at once; a live call is
    /// hung up first (the job ends when the call does); a rendering job ends when its render
    /// returns.
    public mutating func cancel(_ id: JobID, now: Date) -> [SchedulerAction] {
        guard var record = jobs[id], !record.state.isFinal else { return [] }
        record.cancelRequested = true
        setJob(id, record)
        if inCall.contains(id) { return [.persist(id), .hangUp(id)] }
        if record.state == .converting { return [.persist(id)] }
        return fail(id, FaxError(.cancelled, "cancelled by the operator"))
    }

    /// Time passed: fail the waiting jobs that may never be dialled again (past the kill
    /// time, or out of attempts) and start the calls that are due.
    public mutating func tick(now: Date) -> [SchedulerAction] {
        // Pruning only bounds the log's memory (counts look at the window anyway): once a
        // minute is enough, and keeps a tick from walking every call of the last hour.
        if now >= nextPrune || now < lastPrune {
            callLog.prune(now: now)
            lastPrune = now
            nextPrune = now.addingTimeInterval(60)
        }
        index.advance(to: now)
        var actions: [SchedulerAction] = []
        for id in index.overdue.union(index.exhausted).sorted() {
            if let record = jobs[id], let error = endOfRetries(record, now: now) { actions += fail(id, error) }
        }
        return actions + dispatch(now: now)
    }

    /// The driver wrote the finished job's sidecar: forget it.
    public mutating func finished(_ id: JobID) {
        if let record = jobs[id], record.state.isFinal { setJob(id, nil) }
    }

    /// The earliest time at which `tick` has something to do — a retry falling due, a
    /// per-hour window opening, a kill time — or `nil` when only another event (a render or
    /// a call ending, a new job) can change anything. Never earlier than `now`: a time that
    /// passed without a tick comes back as `now`.
    public func nextWakeup(after now: Date) -> Date? {
        // A job already past its kill time fails at the next tick.
        guard index.overdue.isEmpty else { return now }
        var earliest = index.earliestKill
        func consider(_ time: Date) { earliest = min(earliest ?? time, time) }
        // When a node of each route may take a call; a route whose nodes are all down or
        // full waits for an event (a call ending, a node coming up).
        let routeOpens = routeTable.routes.indices.map { nextNodeOpening(route: $0, now: now) }
        if inCall.count < policy.maxCalls, routeOpens.contains(where: { $0 != nil }) {
            for (destination, heap) in index.readyAtByDestination {
                // A job that waits only for a call to end is started by that call's end.
                guard let first = heap.min, liveByDestination[destination, default: 0] < policy.maxCallsPerDestination,
                    let route = index.members[first.id]?.route, routeOpens.indices.contains(route),
                    let nodeReady = routeOpens[route]
                else { continue }
                var start = max(first.key, nodeReady)
                if policy.maxPerDestinationHour > 0,
                    let opening = callLog.nextOpening(destination, limit: policy.maxPerDestinationHour, now: now)
                {
                    start = max(start, opening)
                }
                consider(start)
            }
        }
        return earliest.map { max($0, now) }
    }
}
