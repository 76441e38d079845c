import FaxDropCore

/// What the scheduler asks its driver to do. The driver (the daemon's engine) performs the
/// I/O and reports back with the scheduler's event methods.
public enum SchedulerAction: Sendable, Equatable {
    /// The job's journal changed: write it before acting on anything that follows.
    case persist(JobID)
    /// Render the job's document.
    case render(JobID)
    /// Place a call; the journal already holds the attempt as started. `firstPage` (1-based)
    /// is the first page to send: above 1 when resuming after a partial send.
    case call(JobID, attempt: Int, firstPage: Int)
    /// A call for this job was in flight when the daemon stopped: ask the backend what
    /// became of it, then report `callEnded` (or `callLost`).
    case reconcile(JobID)
    /// Hang up the job's live call (it will end with `callEnded`).
    case hangUp(JobID)
    /// The job is final (`state` is done or failed; `lastError` says why it failed): move
    /// the document, write the sidecar, clean up, then report `finished`.
    case finish(JobID)
}
