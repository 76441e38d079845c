import FaxDropCore
import FaxDropScheduler

extension SchedulerAction {
    /// The job the action is about.
    var job: JobID {
        switch self {
        case .persist(let id), .render(let id), .reconcile(let id), .hangUp(let id), .finish(let id): return id
        case .call(let id, _, _): return id
        }
    }
}

extension JobRecord {
    /// The record as it was before the scheduler opened its last attempt: `waiting`, without
    /// that attempt. Journaled instead when a stopping engine does not start the call.
    var beforeOpenAttempt: JobRecord {
        guard state == .dialing, let last = attempts.last, last.endedAt == nil else { return self }
        var record = self
        record.attempts.removeLast()
        record.state = .waiting
        return record
    }
}
