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
        try submit(stagedFiles: [path], names: [name], to: destination, request: request, now: now)
    }

    /// Queues several staged documents, in order, as one job; each is renamed in.
    public func submit(
        stagedFiles paths: [String], names: [String], to destination: E164Number, request: JobRequest = JobRequest(),
        now: Date = Date()
    ) throws -> JobID {
        precondition(!paths.isEmpty && paths.count == names.count, "one name per staged document")
        try spool.createLayout()
        let id = IDSource().next(now: now)
        let stage = try makeStage(id)
        var moved: [(from: String, to: String)] = []
        do {
            for (i, path) in paths.enumerated() {
                let target = stage + "/" + JobDocument.fileName(i + 1)
                try Syscall.renameNoReplace(path, target)
                moved.append((path, target))
            }
        } catch {
            // Back where they were: the caller still owns its staged files.
            for m in moved.reversed() { try? Syscall.renameNoReplace(m.to, m.from) }
            try? Syscall.rmdir(stage)
            throw error
        }
        try enqueue(stage: stage, id: id, to: destination, names: names, request: request, now: now)
        return id
    }
}
