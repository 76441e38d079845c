import FaxDropCore
import FaxDropSystem
import Foundation
import Logging
import Synchronization

/// Claims entries of the drop zone: one atomic `rename` into `active/<job-id>/` (SPEC §1).
///
/// The journal is written first (state `claiming`), then the entry is renamed in, so a
/// crash at any point leaves either an untouched entry in `outgoing/` or a job folder whose
/// journal says what it is. A second claim of the same entry finds it gone and backs out.
public struct Claimer: Sendable {
    public let spool: Spool
    public let journal: JournalStore
    public let fax: Sidecar.Fax
    private let ids: IDSource

    public init(spool: Spool, fax: Sidecar.Fax) {
        self.spool = spool
        self.journal = JournalStore(spool: spool)
        self.fax = fax
        self.ids = IDSource()
    }

    /// The name a submitted file carries in `outgoing/` so that its job gets the id the
    /// submitter was told: `<job-id>--<original name>`.
    public static func submittedName(_ id: JobID, original: String) -> String { "\(id.value)--\(original)" }

    /// Claims `path` (an entry in `outgoing/` or `outgoing/<folder>/`). Returns the new
    /// job's journal, or `nil` when the entry was already gone (claimed or removed).
    public func claim(_ path: String, now: Date, logger: Logger) throws -> JobRecord? {
        let relative = path.hasPrefix(spool.outgoing + "/") ? String(path.dropFirst(spool.outgoing.count + 1)) : path
        let parts = relative.split(separator: "/", omittingEmptySubsequences: true)
        let destination = parts.count >= 2 ? String(parts[parts.count - 2]) : ""
        var originalName = parts.last.map(String.init) ?? relative
        var id = ids.next(now: now)
        if let requested = Self.requestedID(originalName) {
            originalName = String(originalName.dropFirst(28))
            if (try? Syscall.lstatIfExists(spool.jobFolder(requested.id))) == nil, spool.finalSidecar(requested.id) == nil {
                id = requested.id
            }
        }
        let folder = spool.jobFolder(id)
        try Syscall.mkdir(folder, mode: 0o750)
        var record = JobRecord(
            jobID: id, state: .claiming, destination: destination, originalName: originalName,
            documentFile: "document", fax: fax, queuedAt: now)
        do {
            try journal.write(record)
            try Syscall.renameNoReplace(path, spool.document(id))
        } catch let error as SystemError where error.isNotFound {
            try? Syscall.unlink(spool.journal(id))
            try? Syscall.rmdir(folder)
            return nil
        } catch {
            try? Syscall.unlink(spool.journal(id))
            try? Syscall.rmdir(folder)
            throw error
        }
        record.state = .queued
        logger.info(
            "claimed", metadata: ["job": "\(id)", "destination": "\(destination)", "name": "\(originalName)"])
        return record
    }

    /// `<job-id>--<name>`: the id a submitter chose.
    static func requestedID(_ name: String) -> (id: JobID, rest: Substring)? {
        guard name.utf8.count > 28 else { return nil }
        let head = name.prefix(26)
        guard name.dropFirst(26).hasPrefix("--"), let id = JobID(String(head)) else { return nil }
        return (id, name.dropFirst(28))
    }
}

/// Job ids, strictly increasing within the process.
final class IDSource: Sendable {
    private let generator = Mutex(JobIDGenerator())

    func next(now: Date) -> JobID {
        let ms = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        return generator.withLock { $0.next(milliseconds: ms) }
    }
}
