import FaxDropCore
import FaxDropSystem
import Foundation

extension Submitter {
    /// Queues a document already written and synced to a file in `spool.tmp` (an HTTP upload
    /// streamed to disk): it becomes the job's document by a rename, without a copy, and the
    /// job is queued exactly as `submit(bytes:)` queues it.
    public func submit(
        stagedFile path: String, to destination: E164Number, name: String, request: JobRequest = JobRequest(),
        now: Date = Date()
    ) throws -> JobID {
        try spool.createLayout()
        let id = IDSource().next(now: now)
        let stage = try makeStage(id)
        do {
            try Syscall.renameNoReplace(path, stage + "/document")
        } catch {
            try? Syscall.rmdir(stage)
            throw error
        }
        try enqueue(stage: stage, id: id, to: destination, name: name, request: request, now: now)
        return id
    }
}
