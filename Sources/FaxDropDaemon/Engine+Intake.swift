import FaxDropCore
import FaxDropFaxImage
import FaxDropScheduler
import FaxDropSystem
import Foundation
import Logging

/// Taking jobs in: claims from the drop zone, recovery from journals at start-up.
extension Engine {
    /// A settled entry of the drop zone: claim it and queue its job. The claim and the
    /// look at the document happen on the caller's task; only the admission is the engine's.
    /// Returns `false` when the entry was not taken because a process still has it open
    /// for writing: the intake waits for it again.
    @discardableResult
    public nonisolated func take(_ path: String) async -> Bool {
        let now = clock()
        let claimed: JobRecord
        do {
            switch try claimer.claim(path, now: now, logger: logger) {
            case .gone: return true
            case .openForWriting: return false
            case .claimed(let record): claimed = record
            }
        } catch {
            logger.error("cannot claim", metadata: ["path": "\(path)", "error": "\(error)"])
            return true
        }
        if claimed.state.isFinal {
            await admit(claimed, now: now)
            return true
        }
        let findings = inspect(claimed, waitingForWriters: true)
        if findings.openForWriting {
            // A writer that opened the file just before the claim still holds it: the job
            // waits for it to close, on its own task, so the intake goes on.
            Task { await self.admitOnceClosed(claimed, now: now) }
            return true
        }
        await admit(Self.applying(findings, to: claimed), now: now)
        return true
    }

    /// Looks at a claimed document again until no process has it open for writing.
    nonisolated func admitOnceClosed(_ claimed: JobRecord, now: Date) async {
        var log = logger
        log[metadataKey: "job"] = "\(claimed.jobID)"
        log.notice("the claimed file is still open for writing; waiting until it is closed")
        while true {
            try? await Task.sleep(for: .milliseconds(200))
            let findings = inspect(claimed, waitingForWriters: true)
            if !findings.openForWriting {
                await admit(Self.applying(findings, to: claimed), now: now)
                return
            }
        }
    }

    func admit(_ record: JobRecord, now: Date) async {
        journaled[record.jobID] = .claiming  // what the claim wrote
        // While stopping, the journal is enough: the job is resumed at the next start.
        guard !stopping else { return persist(record) }
        // A job that ended on input is journaled as final before its result is written;
        // every other admission is journaled by the scheduler's own `persist`.
        if record.state.isFinal { persist(record) }
        await apply(scheduler.admit(record, now: now))
    }

    /// Cancels a job (`faxdrop cancel`, `DELETE` over HTTP). `false` if it is not active here.
    public func cancel(_ id: JobID) async -> Bool {
        guard scheduler.jobs[id] != nil else { return false }
        await apply(scheduler.cancel(id, now: clock()))
        return true
    }

    func admitClaimed(_ claimed: JobRecord, now: Date) async {
        await admit(inspected(claimed), now: now)
    }

    /// The claimed job with its document's size, digest and format; an input error ends it
    /// before anything is rendered or dialled. An invalid destination is reported first
    /// (the scheduler checks it), whatever the document.
    nonisolated func inspected(_ claimed: JobRecord) -> JobRecord {
        inspectingMore(Self.applying(inspect(claimed, waitingForWriters: false), to: claimed))
    }

    nonisolated func inspect(_ record: JobRecord, waitingForWriters: Bool) -> DocumentInspector.Findings {
        DocumentInspector.inspect(
            spool.document(record.jobID), maxBytes: settings.maxBytes,
            writers: waitingForWriters ? claimer.writers : nil, logger: logger)
    }

    nonisolated static func applying(_ findings: DocumentInspector.Findings, to claimed: JobRecord) -> JobRecord {
        var record = claimed
        record.bytes = findings.bytes
        record.sha256 = findings.sha256
        record.format = findings.format
        record.documentModified = findings.modifiedNanoseconds
        if let error = findings.error, E164Number(record.destination) != nil {
            record.state = .failed
            record.lastError = FaxErrorRecord(error)
        }
        return record
    }

    /// Resumes every job in `active/` from its journal. All are admitted together, so
    /// calls start only once every job (and every call that was in flight) is known.
    func recoverAll() async throws {
        var resumed: [JobRecord] = []
        for (id, record) in try journal.scan() {
            if let record = recovered(id, record) { resumed.append(record) }
        }
        if !resumed.isEmpty { logger.info("resuming jobs from their journals", metadata: ["jobs": "\(resumed.count)"]) }
        await apply(scheduler.admit(resumed, now: clock()))
    }

    /// What to resume of one job folder, or `nil` when there is nothing to resume.
    func recovered(_ id: JobID, _ record: JobRecord?) -> JobRecord? {
        guard var record else {
            let folder = spool.jobFolder(id)
            if (try? Syscall.listDirectory(folder))?.isEmpty == true {
                // A claim stopped between its mkdir and its journal: nothing was claimed.
                try? Syscall.rmdir(folder)
                return nil
            }
            // A folder with content but no readable journal: not a job FaxDrop can resume.
            // Leave it for an operator rather than guess; nothing in it is deleted.
            logger.error("job folder without a readable journal; left as it is", metadata: ["job": "\(id)"])
            return nil
        }
        if spool.finalSidecar(id) != nil {
            try? results.clearJobFolder(id, keepImage: (record.pagesTotal ?? 0) > 0)
            return nil
        }
        if record.state == .claiming {
            guard (try? Syscall.lstatIfExists(spool.document(id))) != nil else {
                // The rename never happened: the entry is still in the drop zone.
                try? Syscall.unlink(spool.journal(id))
                try? Syscall.rmdir(spool.jobFolder(id))
                return nil
            }
            record.state = .queued
            // A submitted job takes the gateway's fax settings; a retry keeps its original's.
            if record.retryOf == nil { record.fax = claimer.fax.applying(record.options) }
            record = inspected(record)
            persist(record)
        }
        logger.debug("resuming", metadata: ["job": "\(id)", "state": "\(record.state.rawValue)"])
        return record
    }
}
