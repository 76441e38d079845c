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
            setJob(id, record)
            return [.finish(id)]
        case .dialing, .sending:
            if let last = record.attempts.last, last.endedAt == nil {
                enterCall(id, destination: record.destination, node: nodeIndex(named: last.node))
                setJob(id, record)
                return [.reconcile(id)]
            }
            // No attempt is open, so no call can be in flight: the job is only waiting.
            record.state = .waiting
            changed = true
            fallthrough
        case .claiming, .queued, .converting, .waiting:
            setJob(id, record)
            if let failure = policyFailure(record) { return fail(id, failure) }
            if record.cancelRequested { return fail(id, FaxError(.cancelled, "cancelled by the operator")) }
            if record.state == .waiting { return changed ? [.persist(id)] : [] }
            record.state = .converting
            setJob(id, record)
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
        if !hasRoute(record.destination) {
            return FaxError(
                .destinationBlocked, "no Asterisk node serves \(number) (no prefix matches, no default route)")
        }
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
        setJob(id, record)
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
        setJob(id, record)
        return [.persist(id)]
    }

    /// Starts every call that may start now: `high` priority first, then `normal`, then
    /// `low`, oldest first within each; a priority never lifts a job past the call limits,
    /// the per-destination rules or its `send_at`. A due job that may never be
    /// dialled again fails instead, even if no tick came at its kill time.
    mutating func dispatch(now: Date) -> [SchedulerAction] {
        let dispatcher = self.dispatcher
        return dispatcher(&self, now)
    }

    /// `dispatch`, indexed (issue 14): due jobs wait in per-destination queues, destinations
    /// in one queue per route, so a dispatch costs the calls it starts, not the queue's
    /// length. The order is the one a full sort of the due jobs would give: the doomed job or
    /// the first job of an open destination on a route with a free node, whichever comes first.
    mutating func indexedDispatch(now: Date) -> [SchedulerAction] {
        guard inCall.count < policy.maxCalls else { return [] }
        index.advance(to: now)
        var actions: [SchedulerAction] = []
        while inCall.count < policy.maxCalls {
            var best: (key: WaitKey, doomed: JobID?, destination: String, node: Int)?
            if let doomed = index.firstDoomed() { best = (doomed.key, doomed.id, "", -1) }
            for route in routeTable.routes.indices {
                guard let node = pickNode(route: route, now: now),
                    let open = firstOpenDestination(route: route, now: now)
                else { continue }
                if best == nil || open.key < best!.key { best = (open.key, nil, open.destination, node) }
            }
            guard let best else { break }
            if let id = best.doomed {
                let error = jobs[id].flatMap { endOfRetries($0, now: now) } ?? FaxError(.expired, "no attempts left")
                actions += fail(id, error)
                continue
            }
            guard let head = index.head(of: best.destination) else { break }
            actions += start(head.id, node: best.node, now: now)
        }
        return actions
    }

    /// The first destination on `route` that its own limits let dial, parking the others.
    private mutating func firstOpenDestination(route: Int, now: Date) -> (key: WaitKey, destination: String)? {
        while let open = index.firstOpen(route: route) {
            let destination = open.destination
            if liveByDestination[destination, default: 0] >= policy.maxCallsPerDestination {
                index.park(destination, until: nil)
                continue
            }
            if policy.maxPerDestinationHour > 0,
                callLog.count(destination, now: now) >= policy.maxPerDestinationHour
            {
                index.park(
                    destination,
                    until: callLog.nextOpening(destination, limit: policy.maxPerDestinationHour, now: now))
                continue
            }
            return open
        }
        return nil
    }

    /// Starts the call for waiting job `id` on `node`.
    mutating func start(_ id: JobID, node: Int, now: Date) -> [SchedulerAction] {
        guard var record = jobs[id] else { return [] }
        let firstPage = policy.resumePartial ? min(record.pagesSent + 1, max(record.pagesTotal ?? 1, 1)) : 1
        var attempt = AttemptRecord(number: record.attempts.count + 1, startedAt: now, firstPage: firstPage)
        attempt.node = policy.nodes.isEmpty ? nil : nodes[node].name
        record.attempts.append(attempt)
        record.state = .dialing
        record.notBefore = nil
        enterCall(id, destination: record.destination, node: node)
        setJob(id, record)
        callLog.record(record.destination, at: now)
        buckets[node].take(at: now)
        if let name = attempt.node { nodeCounters[name, default: (0, [:])].started += 1 }
        return [.persist(id), .call(id, attempt: record.attempts.count, firstPage: firstPage)]
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
