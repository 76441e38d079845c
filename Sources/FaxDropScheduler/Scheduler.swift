import FaxDropCore
import Foundation

/// What the scheduler asks its driver to do. The driver (the daemon's engine) performs the
/// I/O and reports back with the scheduler's event methods.
public enum SchedulerAction: Sendable, Equatable {
    /// The job's journal changed: write it before acting on anything that follows.
    case persist(JobID)
    /// Render the job's document.
    case render(JobID)
    /// Place a call; the journal already holds the attempt as started.
    case call(JobID, attempt: Int, firstPage: Int)
    /// A call for this job was in flight when the daemon stopped: ask the backend what
    /// became of it, then report `callEnded` (or `callLost`).
    case reconcile(JobID)
    /// Hang up the job's live call (it will end with `callEnded`).
    case hangUp(JobID)
    /// The job is final (`state` is done or failed; `lastError` says why it failed): move
    /// the document, write the sidecar, clean up.
    case finish(JobID)
}

/// FaxDrop's job scheduler as a pure state machine (SPEC §2). It owns the jobs' journal
/// records, never touches the outside world, and takes the time as an argument, so a
/// three-hour retry window is tested in a millisecond.
public struct Scheduler: Sendable {
    public private(set) var jobs: [JobID: JobRecord] = [:]
    public var policy: SchedulerPolicy
    /// Jobs with a live call (or one being reconciled).
    public private(set) var inCall: Set<JobID> = []
    /// Start times of recent calls by destination, for the per-hour limit.
    private var recentCalls: [String: [Date]] = [:]

    public init(policy: SchedulerPolicy) {
        self.policy = policy
    }

    public var callsInProgress: Int { inCall.count }

    // MARK: Events

    /// Takes a job in: a new claim (state `queued`) or one recovered from its journal.
    public mutating func admit(_ record: JobRecord, now: Date) -> [SchedulerAction] {
        var record = record
        let id = record.jobID
        switch record.state {
        case .done, .failed:
            jobs[id] = record
            return [.finish(id)]
        case .dialing, .sending:
            jobs[id] = record
            inCall.insert(id)
            return [.reconcile(id)]
        case .claiming, .queued, .converting:
            if let failure = policyFailure(record) {
                jobs[id] = record
                return fail(id, failure, now: now)
            }
            record.state = .converting
            jobs[id] = record
            return [.persist(id), .render(id)]
        case .waiting:
            if let failure = policyFailure(record) {
                jobs[id] = record
                return fail(id, failure, now: now)
            }
            jobs[id] = record
            return dispatch(now: now)
        }
    }

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
            return fail(id, FaxError(.cancelled, "cancelled by the operator before dialling"), now: now)
        }
        record.state = .waiting
        jobs[id] = record
        return [.persist(id)] + dispatch(now: now)
    }

    /// The document could not be rendered: the job fails with the renderer's code.
    public mutating func renderFailed(_ id: JobID, _ error: FaxError, format: DocumentFormat?, now: Date)
        -> [SchedulerAction]
    {
        guard var record = jobs[id], record.state == .converting else { return [] }
        if let format { record.format = format }
        jobs[id] = record
        return fail(id, error, now: now)
    }

    /// The live call moved from dialling to sending (the far end answered).
    public mutating func callAnswered(_ id: JobID) -> [SchedulerAction] {
        guard var record = jobs[id], record.state == .dialing else { return [] }
        record.state = .sending
        jobs[id] = record
        return [.persist(id)]
    }

    /// A call ended with `result`.
    public mutating func callEnded(_ id: JobID, _ result: CallResult, now: Date) -> [SchedulerAction] {
        guard var record = jobs[id], inCall.contains(id), let index = record.attempts.indices.last else { return [] }
        inCall.remove(id)
        var attempt = record.attempts[index]
        attempt.endedAt = now
        attempt.pagesSent = result.pagesSent
        attempt.details = result.details
        attempt.message = result.message.isEmpty ? nil : result.message

        switch result.status {
        case .unavailable:
            // The call was never placed: the attempt does not count and the job waits.
            record.attempts.removeLast()
            record.state = .waiting
            record.notBefore = now.addingTimeInterval(policy.retryUnavailable)
            jobs[id] = record
            if record.cancelRequested {
                return fail(id, FaxError(.cancelled, "cancelled by the operator"), now: now)
            }
            return [.persist(id)] + dispatch(now: now)
        case .sent:
            attempt.outcome = "sent"
            record.attempts[index] = attempt
            record.pagesSent = min(record.pagesTotal ?? result.pagesSent, pagesConfirmed(record, adding: result.pagesSent, from: attempt.firstPage))
            if let total = record.pagesTotal { record.pagesSent = total }
            record.state = .done
            record.lastError = nil
            jobs[id] = record
            return [.persist(id), .finish(id)] + dispatch(now: now)
        case .failed(let code):
            attempt.outcome = code.rawValue
            record.attempts[index] = attempt
            record.pagesSent = pagesConfirmed(record, adding: result.pagesSent, from: attempt.firstPage)
            let message = result.message.isEmpty ? Self.defaultMessage(code) : result.message
            let error = FaxError(code, message)
            jobs[id] = record
            if record.cancelRequested || code == .cancelled {
                return fail(id, FaxError(.cancelled, "cancelled by the operator during the call"), now: now)
                    + dispatch(now: now)
            }
            return retryOrFail(id, error, now: now) + dispatch(now: now)
        }
    }

    /// The journal said a call was in flight and the backend cannot tell what became of it.
    public mutating func callLost(_ id: JobID, now: Date) -> [SchedulerAction] {
        callEnded(
            id,
            CallResult(
                status: .failed(.interrupted), pagesSent: 0,
                message: "the gateway stopped during the call and its outcome could not be learnt"),
            now: now)
    }

    /// `faxdrop cancel`: a queued or waiting job ends `cancelled` at once; a live call is
    /// hung up first; a rendering job ends when its render returns.
    public mutating func cancel(_ id: JobID, now: Date) -> [SchedulerAction] {
        guard var record = jobs[id], !record.state.isFinal else { return [] }
        record.cancelRequested = true
        jobs[id] = record
        if inCall.contains(id) { return [.persist(id), .hangUp(id)] }
        if record.state == .converting { return [.persist(id)] }
        return fail(id, FaxError(.cancelled, "cancelled by the operator"), now: now)
    }

    /// Time passed: expire jobs past their kill time and start calls that are due.
    public mutating func tick(now: Date) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        for (id, record) in jobs.sorted(by: { $0.key < $1.key })
        where record.state == .waiting && now >= killTime(record) {
            let error = record.lastError.map {
                FaxError($0.code, "\($0.message) (not sent by the kill time after \(record.attempts.count) attempts)")
            } ?? FaxError(.expired, "not sent within \(Int(policy.killAfter)) s of queueing")
            actions += fail(id, error, now: now)
        }
        return actions + dispatch(now: now)
    }

    /// The driver wrote the finished job's sidecar: forget it.
    public mutating func finished(_ id: JobID) {
        if let record = jobs[id], record.state.isFinal { jobs[id] = nil }
    }

    /// The earliest time at which `tick` has something to do, if any.
    public func nextWakeup(after now: Date) -> Date? {
        var earliest: Date?
        for record in jobs.values where record.state == .waiting {
            for t in [record.notBefore, killTime(record)].compactMap({ $0 }) where t > now {
                earliest = min(earliest ?? t, t)
            }
        }
        if policy.maxPerDestinationHour > 0 {
            for times in recentCalls.values where times.count >= policy.maxPerDestinationHour {
                if let t = times.first?.addingTimeInterval(3600), t > now { earliest = min(earliest ?? t, t) }
            }
        }
        return earliest
    }

    // MARK: Internals

    private func killTime(_ record: JobRecord) -> Date { record.queuedAt.addingTimeInterval(policy.killAfter) }

    private func policyFailure(_ record: JobRecord) -> FaxError? {
        guard let number = E164Number(record.destination) else {
            return FaxError(
                .invalidDestination, "'\(record.destination)' is not an E.164 number (+ then 7 to 15 digits)")
        }
        if let reason = policy.blockReason(for: number) { return FaxError(.destinationBlocked, reason) }
        return nil
    }

    /// Pages confirmed over all attempts: with resume, the pages of this attempt count from
    /// its first page; without, the best single attempt counts.
    private func pagesConfirmed(_ record: JobRecord, adding sent: Int, from firstPage: Int) -> Int {
        if firstPage > 1 { return max(record.pagesSent, firstPage - 1 + sent) }
        return max(record.pagesSent, sent)
    }

    private mutating func fail(_ id: JobID, _ error: FaxError, now: Date) -> [SchedulerAction] {
        guard var record = jobs[id] else { return [] }
        record.state = .failed
        record.lastError = FaxErrorRecord(error)
        record.notBefore = nil
        jobs[id] = record
        return [.persist(id), .finish(id)]
    }

    private mutating func retryOrFail(_ id: JobID, _ error: FaxError, now: Date) -> [SchedulerAction] {
        guard var record = jobs[id] else { return [] }
        guard error.code.isRetryable else { return fail(id, error, now: now) }
        if record.attempts.count >= policy.maxAttempts {
            return fail(id, FaxError(error.code, "\(error.message) (after \(record.attempts.count) attempts)"), now: now)
        }
        let next = now.addingTimeInterval(policy.retryDelay(after: error.code))
        if next >= killTime(record) {
            return fail(id, FaxError(error.code, "\(error.message) (no retry before the kill time)"), now: now)
        }
        record.state = .waiting
        record.notBefore = next
        record.lastError = FaxErrorRecord(error)
        jobs[id] = record
        return [.persist(id)]
    }

    /// Starts every call that may start now, oldest job first.
    private mutating func dispatch(now: Date) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        var perDestination: [String: Int] = [:]
        for id in inCall { if let d = jobs[id]?.destination { perDestination[d, default: 0] += 1 } }
        let candidates = jobs.values
            .filter { $0.state == .waiting && !inCall.contains($0.jobID) && ($0.notBefore ?? .distantPast) <= now }
            .sorted { ($0.queuedAt, $0.jobID) < ($1.queuedAt, $1.jobID) }
        for candidate in candidates {
            guard inCall.count < policy.maxCalls else { break }
            let destination = candidate.destination
            guard perDestination[destination, default: 0] < policy.maxCallsPerDestination else { continue }
            guard withinHourlyLimit(destination, now: now) else { continue }
            var record = candidate
            let firstPage = policy.resumePartial ? min(record.pagesSent + 1, max(record.pagesTotal ?? 1, 1)) : 1
            record.attempts.append(AttemptRecord(number: record.attempts.count + 1, startedAt: now, firstPage: firstPage))
            record.state = .dialing
            record.notBefore = nil
            jobs[record.jobID] = record
            inCall.insert(record.jobID)
            perDestination[destination, default: 0] += 1
            recentCalls[destination, default: []].append(now)
            actions += [.persist(record.jobID), .call(record.jobID, attempt: record.attempts.count, firstPage: firstPage)]
        }
        return actions
    }

    private mutating func withinHourlyLimit(_ destination: String, now: Date) -> Bool {
        guard policy.maxPerDestinationHour > 0 else { return true }
        let recent = (recentCalls[destination] ?? []).filter { now.timeIntervalSince($0) < 3600 }
        recentCalls[destination] = recent
        return recent.count < policy.maxPerDestinationHour
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
