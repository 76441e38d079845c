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
    public var policy: SchedulerPolicy
    /// Jobs with a live call (or one being reconciled).
    public internal(set) var inCall: Set<JobID> = []
    /// Start times of recent calls by destination, for the per-hour limit.
    var callLog = DestinationCallLog(window: 3600)

    public init(policy: SchedulerPolicy) {
        self.policy = policy
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
            jobs[id] = record
            return fail(id, FaxError(.cancelled, "cancelled by the operator before dialling"))
        }
        record.state = .waiting
        jobs[id] = record
        return [.persist(id)] + dispatch(now: now)
    }

    /// The document could not be rendered: the job fails with the renderer's code (or
    /// `cancelled`, when the operator cancelled it meanwhile).
    public mutating func renderFailed(_ id: JobID, _ error: FaxError, format: DocumentFormat?, now: Date)
        -> [SchedulerAction]
    {
        guard var record = jobs[id], record.state == .converting else { return [] }
        if let format { record.format = format }
        jobs[id] = record
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
        jobs[id] = record
        return [.persist(id)]
    }

    /// A call ended with `result`.
    public mutating func callEnded(_ id: JobID, _ result: CallResult, now: Date) -> [SchedulerAction] {
        guard var record = jobs[id], inCall.contains(id), let index = record.attempts.indices.last else { return [] }
        inCall.remove(id)
        var attempt = record.attempts[index]

        if case .unavailable = result.status {
            // The call was never placed: the attempt does not count, nor does it count
            // against the per-hour limit, and the job waits for the backend.
            record.attempts.removeLast()
            callLog.forget(record.destination, at: attempt.startedAt)
            record.state = .waiting
            record.notBefore = now.addingTimeInterval(policy.retryUnavailable)
            jobs[id] = record
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
            jobs[id] = record
            return [.persist(id), .finish(id)] + dispatch(now: now)
        case .failed(let code):
            attempt.outcome = code.rawValue
            record.attempts[index] = attempt
            record.pagesSent = confirmed
            jobs[id] = record
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
        jobs[id] = record
        if inCall.contains(id) { return [.persist(id), .hangUp(id)] }
        if record.state == .converting { return [.persist(id)] }
        return fail(id, FaxError(.cancelled, "cancelled by the operator"))
    }

    /// Time passed: fail the waiting jobs that may never be dialled again (past the kill
    /// time, or out of attempts) and start the calls that are due.
    public mutating func tick(now: Date) -> [SchedulerAction] {
        callLog.prune(now: now)
        var actions: [SchedulerAction] = []
        let waiting = jobs.values.filter { $0.state == .waiting && !inCall.contains($0.jobID) }
        for record in waiting.sorted(by: { $0.jobID < $1.jobID }) {
            if let error = endOfRetries(record, now: now) { actions += fail(record.jobID, error) }
        }
        return actions + dispatch(now: now)
    }

    /// The driver wrote the finished job's sidecar: forget it.
    public mutating func finished(_ id: JobID) {
        if let record = jobs[id], record.state.isFinal { jobs[id] = nil }
    }

    /// The earliest time at which `tick` has something to do — a retry falling due, a
    /// per-hour window opening, a kill time — or `nil` when only another event (a render or
    /// a call ending, a new job) can change anything. Never earlier than `now`: a time that
    /// passed without a tick comes back as `now`.
    public func nextWakeup(after now: Date) -> Date? {
        var earliest: Date?
        func consider(_ time: Date) { earliest = min(earliest ?? time, time) }
        var perDestination: [String: Int] = [:]
        for id in inCall { if let d = jobs[id]?.destination { perDestination[d, default: 0] += 1 } }
        let slotFree = inCall.count < policy.maxCalls
        for record in jobs.values where record.state == .waiting && !inCall.contains(record.jobID) {
            consider(killTime(record))
            // A job that waits only for a call to end is started by that call's end.
            guard slotFree, perDestination[record.destination, default: 0] < policy.maxCallsPerDestination else {
                continue
            }
            var start = max(record.notBefore ?? now, record.sendAt ?? now)
            if policy.maxPerDestinationHour > 0,
                let opening = callLog.nextOpening(record.destination, limit: policy.maxPerDestinationHour, now: now)
            {
                start = max(start, opening)
            }
            consider(start)
        }
        return earliest.map { max($0, now) }
    }
}
