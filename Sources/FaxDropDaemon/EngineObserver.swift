import FaxDropCore

/// What the engine reports as it works, for metrics, hooks and webhooks. Called on the
/// engine's executor: implementations must return quickly and never block.
public protocol EngineObserver: Sendable {
    /// A render ended (successfully or not) after `seconds` in the worker.
    func renderEnded(job: JobID, seconds: Double, error: ErrorCode?)
    /// A call attempt ended; `outcome` is `sent` or an error code.
    func attemptEnded(job: JobID, outcome: String, pagesSent: Int)
    /// A job is final and its sidecar is at `sidecarPath`.
    func jobFinished(_ sidecar: Sidecar, sidecarPath: String)
    /// A live job's state changed (its journal was written, or needed no rewrite).
    func jobChanged(_ record: JobRecord)
}

extension EngineObserver {
    public func renderEnded(job: JobID, seconds: Double, error: ErrorCode?) {}
    public func attemptEnded(job: JobID, outcome: String, pagesSent: Int) {}
    public func jobFinished(_ sidecar: Sidecar, sidecarPath: String) {}
    public func jobChanged(_ record: JobRecord) {}
}
