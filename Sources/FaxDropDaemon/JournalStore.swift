import FaxDropCore
import FaxDropSystem
import Foundation

/// Reads and writes the journals `active/<job-id>/job.json`, always atomically (temp file
/// and rename, `AtomicFile.write(durable: false)`). No journal write is `fsync`ed, neither
/// the file nor its folder: a killed process leaves the last journal whole (the page cache
/// survives it), and after a power cut a journal may be an older version, a state the job
/// safely resumes from (at worst a page is sent again), or, on a filesystem that does not
/// write data before a rename, an empty file: that job folder is then left untouched for an
/// operator (`Engine.recovered`), never deleted. Sidecars, the final word, are always written
/// durably.
public struct JournalStore: Sendable {
    public let spool: Spool

    public init(spool: Spool) {
        self.spool = spool
    }

    public func write(_ record: JobRecord) throws {
        let data = try JSONEncoder.faxdrop().encode(record)
        try AtomicFile.write(data, to: spool.journal(record.jobID), stagingDirectory: spool.tmp, durable: false)
    }

    /// Writes the first journal of a job whose folder is open as `folder` and holds none yet
    /// (a claim): the file is made with no name and linked in whole (`AtomicFile.writeNew`),
    /// so no temp name is created in `tmp/` and renamed. `EEXIST` if the folder has one.
    public func writeFirst(_ record: JobRecord, in folder: Int32) throws {
        let data = try JSONEncoder.faxdrop().encode(record)
        try AtomicFile.writeNew(data, named: Spool.journalName, in: folder)
    }

    public func read(_ id: JobID) throws -> JobRecord {
        let bytes = try AtomicFile.read(spool.journal(id))
        return try JobRecord.decode(from: Data(bytes))
    }

    /// Every job folder in `active/`, with its journal when one could be read.
    public func scan() throws -> [(id: JobID, record: JobRecord?)] {
        var found: [(JobID, JobRecord?)] = []
        for name in try Syscall.listDirectory(spool.active).sorted() {
            guard let id = JobID(name) else { continue }
            found.append((id, try? read(id)))
        }
        return found
    }
}
