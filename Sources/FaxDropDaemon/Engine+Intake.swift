import FaxDropCore
import FaxDropFaxImage
import FaxDropScheduler
import FaxDropSystem
import Foundation
import Logging

/// Taking jobs in: claims from the drop zone, recovery from journals at start-up.
extension Engine {
    /// A settled entry of the drop zone: claim it and queue its job.
    public func take(_ path: String) async {
        guard !stopping else { return }
        let now = clock()
        let record: JobRecord
        do {
            guard let claimed = try claimer.claim(path, now: now, logger: logger) else { return }
            record = claimed
        } catch {
            logger.error("cannot claim", metadata: ["path": "\(path)", "error": "\(error)"])
            return
        }
        await admitClaimed(record, now: now)
    }

    /// Cancels a job (`faxdrop cancel`, `DELETE` over HTTP). `false` if it is not active here.
    public func cancel(_ id: JobID) async -> Bool {
        guard scheduler.jobs[id] != nil else { return false }
        await apply(scheduler.cancel(id, now: clock()))
        return true
    }

    func admitClaimed(_ claimed: JobRecord, now: Date) async {
        var record = claimed
        let findings = DocumentInspector.inspect(spool.document(record.jobID), maxBytes: settings.maxBytes)
        record.bytes = findings.bytes
        record.sha256 = findings.sha256
        record.format = findings.format
        // An invalid destination is reported first (the scheduler checks it); otherwise an
        // input error ends the job before anything is rendered or dialled.
        if let error = findings.error, E164Number(record.destination) != nil {
            record.state = .failed
            record.lastError = FaxErrorRecord(error)
        }
        persist(record)
        await apply(scheduler.admit(record, now: now))
    }

    func recover(_ id: JobID, _ record: JobRecord?) async {
        let now = clock()
        guard var record else {
            // A folder without a readable journal: not a job FaxDrop can resume. Leave it
            // for an operator rather than guess; nothing in it is deleted.
            logger.error("job folder without a readable journal; left as it is", metadata: ["job": "\(id)"])
            return
        }
        if spool.finalSidecar(id) != nil {
            try? results.clearJobFolder(id)
            return
        }
        if record.state == .claiming {
            guard (try? Syscall.lstatIfExists(spool.document(id))) != nil else {
                // The rename never happened: the entry is still in the drop zone.
                try? Syscall.unlink(spool.journal(id))
                try? Syscall.rmdir(spool.jobFolder(id))
                return
            }
            record.state = .queued
            logger.info("resuming a claim", metadata: ["job": "\(id)"])
            await admitClaimed(record, now: now)
            return
        }
        logger.info("resuming", metadata: ["job": "\(id)", "state": "\(record.state.rawValue)"])
        await apply(scheduler.admit(record, now: now))
    }
}
