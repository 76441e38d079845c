// The scheduler as it was before dispatch was indexed (issue 14): every dispatch filters and
// sorts all waiting jobs. Kept verbatim, renamed, as the oracle the indexed scheduler is
// compared against on random event sequences (IndexedDispatchEquivalenceTests). The per-hour
// call log did not change with the index, so the oracle uses the scheduler's own.
import FaxDropCore
import Foundation

@testable import FaxDropScheduler

/// FaxDrop's job scheduler as a pure state machine (SPEC §2). It owns the jobs' journal
/// records, never touches the outside world, and takes the time as an argument, so a
/// three-hour retry window is tested in a millisecond.
///
/// Every event method returns the actions the driver must perform, in order. The driver
/// calls `tick(now:)` at `nextWakeup(after:)` and whenever it likes; every other event also
/// starts the calls that became possible.
struct ReferenceScheduler: Sendable {
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

// The scheduler's internals: taking journals in, starting calls, retrying and failing.
extension ReferenceScheduler {
    func killTime(_ record: JobRecord) -> Date { record.earliestStart.addingTimeInterval(policy.killAfter) }

    /// Takes one record in without starting any call.
    mutating func take(_ record: JobRecord, now: Date) -> [SchedulerAction] {
        var record = record
        let id = record.jobID
        // Calls placed before a restart still count against the per-hour limit.
        for attempt in record.attempts { callLog.record(record.destination, at: attempt.startedAt) }
        var changed = false
        switch record.state {
        case .done, .failed:
            jobs[id] = record
            return [.finish(id)]
        case .dialing, .sending:
            if let last = record.attempts.last, last.endedAt == nil {
                jobs[id] = record
                inCall.insert(id)
                return [.reconcile(id)]
            }
            // No attempt is open, so no call can be in flight: the job is only waiting.
            record.state = .waiting
            changed = true
            fallthrough
        case .claiming, .queued, .converting, .waiting:
            jobs[id] = record
            if let failure = policyFailure(record) { return fail(id, failure) }
            if record.cancelRequested { return fail(id, FaxError(.cancelled, "cancelled by the operator")) }
            if record.state == .waiting { return changed ? [.persist(id)] : [] }
            record.state = .converting
            jobs[id] = record
            return [.persist(id), .render(id)]
        }
    }

    /// Why a job may not be dialled at all, if it may not.
    func policyFailure(_ record: JobRecord) -> FaxError? {
        guard let number = E164Number(record.destination) else {
            return FaxError(
                .invalidDestination, "'\(record.destination)' is not an E.164 number (+ then 7 to 15 digits)")
        }
        if let problem = record.optionsProblem { return FaxError(.invalidOptions, problem) }
        if let reason = policy.blockReason(for: number) { return FaxError(.destinationBlocked, reason) }
        return nil
    }

    /// Why a waiting job may never be dialled again — past its kill time, or out of
    /// attempts — as the error it fails with: its last cause, or `expired` when it had none.
    func endOfRetries(_ record: JobRecord, now: Date) -> FaxError? {
        let cause = lastCause(record)
        if now >= killTime(record) {
            guard let cause else { return FaxError(.expired, "not sent within \(Int(policy.killAfter)) s of queueing") }
            return FaxError(
                cause.code, "\(cause.message) (not sent by the kill time, \(record.attempts.count) attempts)")
        }
        if record.attempts.count >= policy.maxAttempts(for: record) {
            let cause = cause ?? FaxError(.expired, "no attempts left")
            return FaxError(cause.code, "\(cause.message) (after \(record.attempts.count) attempts)")
        }
        return nil
    }

    /// The cause of the last failed attempt.
    func lastCause(_ record: JobRecord) -> FaxError? {
        if let error = record.lastError { return error.error }
        guard let outcome = record.attempts.last?.outcome, let code = ErrorCode(rawValue: outcome) else { return nil }
        return FaxError(code, Self.defaultMessage(code))
    }

    /// Pages confirmed over all attempts, never more than were rendered: with resume, the
    /// pages of this attempt count from its first page; without, the best single attempt
    /// counts.
    func pagesConfirmed(_ record: JobRecord, adding sent: Int, from firstPage: Int) -> Int {
        let confirmed = max(record.pagesSent, firstPage - 1 + max(sent, 0))
        return record.pagesTotal.map { min($0, confirmed) } ?? confirmed
    }

    /// Ends the job `failed` with `error`. A job that is already final is left alone.
    mutating func fail(_ id: JobID, _ error: FaxError) -> [SchedulerAction] {
        guard var record = jobs[id], !record.state.isFinal else { return [] }
        record.state = .failed
        record.lastError = FaxErrorRecord(error)
        record.notBefore = nil
        jobs[id] = record
        return [.persist(id), .finish(id)]
    }

    /// After a failed attempt: wait for the cause's delay, or fail when the error is
    /// permanent, the attempts are used up, or the retry would fall at or after the kill time.
    mutating func retryOrFail(_ id: JobID, _ error: FaxError, now: Date) -> [SchedulerAction] {
        guard var record = jobs[id] else { return [] }
        guard error.code.isRetryable else { return fail(id, error) }
        if record.attempts.count >= policy.maxAttempts(for: record) {
            return fail(id, FaxError(error.code, "\(error.message) (after \(record.attempts.count) attempts)"))
        }
        let next = now.addingTimeInterval(policy.retryDelay(after: error.code))
        if next >= killTime(record) {
            return fail(id, FaxError(error.code, "\(error.message) (no retry before the kill time)"))
        }
        record.state = .waiting
        record.notBefore = next
        record.lastError = FaxErrorRecord(error)
        jobs[id] = record
        return [.persist(id)]
    }

    /// Starts every call that may start now: `high` priority first, then `normal`, then
    /// `low`, oldest first within each; a priority never lifts a job past the call limits,
    /// the per-destination rules or its `send_at`. A due job that may never be
    /// dialled again fails instead, even if no tick came at its kill time.
    mutating func dispatch(now: Date) -> [SchedulerAction] {
        guard inCall.count < policy.maxCalls else { return [] }
        var actions: [SchedulerAction] = []
        var perDestination: [String: Int] = [:]
        for id in inCall { if let d = jobs[id]?.destination { perDestination[d, default: 0] += 1 } }
        let candidates = jobs.values
            .filter {
                $0.state == .waiting && !inCall.contains($0.jobID) && ($0.notBefore ?? .distantPast) <= now
                    && ($0.sendAt ?? .distantPast) <= now
            }
            .sorted { ($0.priority.rank, $0.queuedAt, $0.jobID) < ($1.priority.rank, $1.queuedAt, $1.jobID) }
        for candidate in candidates {
            guard inCall.count < policy.maxCalls else { break }
            if let error = endOfRetries(candidate, now: now) {
                actions += fail(candidate.jobID, error)
                continue
            }
            let destination = candidate.destination
            guard perDestination[destination, default: 0] < policy.maxCallsPerDestination else { continue }
            if policy.maxPerDestinationHour > 0,
                callLog.count(destination, now: now) >= policy.maxPerDestinationHour
            {
                continue
            }
            var record = candidate
            let firstPage = policy.resumePartial ? min(record.pagesSent + 1, max(record.pagesTotal ?? 1, 1)) : 1
            record.attempts.append(
                AttemptRecord(number: record.attempts.count + 1, startedAt: now, firstPage: firstPage))
            record.state = .dialing
            record.notBefore = nil
            jobs[record.jobID] = record
            inCall.insert(record.jobID)
            perDestination[destination, default: 0] += 1
            callLog.record(destination, at: now)
            actions += [
                .persist(record.jobID), .call(record.jobID, attempt: record.attempts.count, firstPage: firstPage),
            ]
        }
        return actions
    }

    static func defaultMessage(_ code: ErrorCode) -> String {
        switch code {
        case .busy: return "the line was busy"
        case .noAnswer: return "no answer"
        case .congestion: return "the network was congested"
        case .channelUnavailable: return "no channel was available"
        case .rejected: return "the call was rejected"
        case .unallocatedNumber: return "the number is not allocated"
        case .faxNegotiationFailed: return "the fax machines could not agree on a way to send"
        case .faxTransferFailed: return "the call dropped while pages were being sent"
        case .timeout: return "the call produced no result in time and was hung up"
        case .interrupted: return "the call was interrupted"
        default: return code.rawValue
        }
    }
}
