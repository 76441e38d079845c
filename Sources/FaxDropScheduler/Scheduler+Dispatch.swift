import FaxDropCore
import Foundation

// The scheduler's internals: taking journals in, starting calls, retrying and failing.
extension Scheduler {
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
        guard let number = record.number else {
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
