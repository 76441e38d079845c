// The scheduler as it was before dispatch was indexed (issue 14), as the oracle the indexed
// scheduler is compared against on random event sequences (IndexedDispatchEquivalenceTests).
// What the index did not change — admission, renders, call outcomes, retries, cancels, the
// per-hour call log — is the scheduler's own state machine; what it replaced is kept here
// as it was: the dispatch that filters and sorts every waiting job, the tick that checks
// every waiting job for its end of retries, and the wakeup that looks at every waiting job.
import FaxDropCore
import Foundation

@testable import FaxDropScheduler

struct ReferenceScheduler: Sendable {
    /// The state machine, dispatching by sorting.
    var scheduler: Scheduler

    init(policy: SchedulerPolicy) {
        scheduler = Scheduler(policy: policy)
        scheduler.dispatcher = { Self.dispatch(&$0, now: $1) }
    }

    /// Time passed: fail the waiting jobs that may never be dialled again (past the kill
    /// time, or out of attempts) and start the calls that are due.
    mutating func tick(now: Date) -> [SchedulerAction] {
        scheduler.callLog.prune(now: now)
        var actions: [SchedulerAction] = []
        let waiting = scheduler.jobs.values.filter { $0.state == .waiting && !scheduler.inCall.contains($0.jobID) }
        for record in waiting.sorted(by: { $0.jobID < $1.jobID }) {
            if let error = scheduler.endOfRetries(record, now: now) { actions += scheduler.fail(record.jobID, error) }
        }
        return actions + scheduler.dispatch(now: now)
    }

    /// The earliest time at which `tick` has something to do — a retry falling due, a
    /// per-hour window opening, a kill time — or `nil` when only another event (a render or
    /// a call ending, a new job) can change anything. Never earlier than `now`: a time that
    /// passed without a tick comes back as `now`.
    func nextWakeup(after now: Date) -> Date? {
        let policy = scheduler.policy
        var earliest: Date?
        func consider(_ time: Date) { earliest = min(earliest ?? time, time) }
        var perDestination: [String: Int] = [:]
        for id in scheduler.inCall {
            if let d = scheduler.jobs[id]?.destination { perDestination[d, default: 0] += 1 }
        }
        let slotFree = scheduler.inCall.count < policy.maxCalls
        for record in scheduler.jobs.values where record.state == .waiting && !scheduler.inCall.contains(record.jobID) {
            consider(scheduler.killTime(record))
            // A job that waits only for a call to end is started by that call's end.
            guard slotFree, perDestination[record.destination, default: 0] < policy.maxCallsPerDestination else {
                continue
            }
            var start = max(record.notBefore ?? now, record.sendAt ?? now)
            if policy.maxPerDestinationHour > 0,
                let opening = scheduler.callLog.nextOpening(
                    record.destination, limit: policy.maxPerDestinationHour, now: now)
            {
                start = max(start, opening)
            }
            consider(start)
        }
        return earliest.map { max($0, now) }
    }

    /// Starts every call that may start now: `high` priority first, then `normal`, then
    /// `low`, oldest first within each; a priority never lifts a job past the call limits,
    /// the per-destination rules or its `send_at`. A due job that may never be
    /// dialled again fails instead, even if no tick came at its kill time.
    static func dispatch(_ scheduler: inout Scheduler, now: Date) -> [SchedulerAction] {
        let policy = scheduler.policy
        guard scheduler.inCall.count < policy.maxCalls else { return [] }
        var actions: [SchedulerAction] = []
        var perDestination: [String: Int] = [:]
        for id in scheduler.inCall {
            if let d = scheduler.jobs[id]?.destination { perDestination[d, default: 0] += 1 }
        }
        let inCall = scheduler.inCall
        let candidates = scheduler.jobs.values
            .filter {
                $0.state == .waiting && !inCall.contains($0.jobID) && ($0.notBefore ?? .distantPast) <= now
                    && ($0.sendAt ?? .distantPast) <= now
            }
            .sorted { ($0.priority.rank, $0.queuedAt, $0.jobID) < ($1.priority.rank, $1.queuedAt, $1.jobID) }
        for candidate in candidates {
            guard scheduler.inCall.count < policy.maxCalls else { break }
            if let error = scheduler.endOfRetries(candidate, now: now) {
                actions += scheduler.fail(candidate.jobID, error)
                continue
            }
            let destination = candidate.destination
            guard perDestination[destination, default: 0] < policy.maxCallsPerDestination else { continue }
            if policy.maxPerDestinationHour > 0,
                scheduler.callLog.count(destination, now: now) >= policy.maxPerDestinationHour
            {
                continue
            }
            perDestination[destination, default: 0] += 1
            // The one unnamed node: the oracle predates nodes, and is run without them.
            actions += scheduler.start(candidate.jobID, node: 0, now: now)
        }
        return actions
    }
}
