import FaxDropCore
import FaxDropSystem
import Foundation

extension Submitter {
    /// Queues a document already written and synced to a file in `spool.tmp` (an HTTP upload
    /// streamed to disk): it is renamed into `outgoing/<number>/` under `<job-id>--<name>`,
    /// atomically and without a copy, exactly as `submit(bytes:)` ends.
    public func submit(stagedFile path: String, to destination: E164Number, name: String, now: Date = Date()) throws -> JobID {
        try spool.createLayout()
        let id = IDSource().next(now: now)
        let folder = spool.outgoing + "/" + destination.value
        try Syscall.mkdirIfNeeded(folder, mode: 0o775)
        try Syscall.renameNoReplace(path, folder + "/" + Claimer.submittedName(id, original: Self.safeName(name)))
        try Syscall.fsyncDirectory(folder)
        return id
    }
}
