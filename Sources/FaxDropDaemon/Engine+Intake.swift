import FaxDropCore
import FaxDropFaxImage
import FaxDropScheduler
import FaxDropSystem
import Foundation
import Logging

/// Taking jobs in: claims from the drop zone, recovery from journals at start-up.
extension Engine {
    /// A settled entry of the drop zone: claim it and queue its job. Returns `false` when
    /// the entry was not taken because a process still has it open for writing.
    @discardableResult
    public nonisolated func take(_ path: String) async -> Bool {
        await take([path]).isEmpty
    }

    /// The entries of the drop zone that settled together: each is claimed and its document
    /// inspected on the caller's task, through the descriptor the claim opened; then they
    /// are admitted to the engine together, a few hundred per turn. Returns the entries not
    /// taken because a process still has them open for writing: the intake waits for
    /// them again.
    public nonisolated func take(_ paths: [String]) async -> [String] {
        var notTaken: [String] = []
        var ready: [JobRecord] = []
        for path in paths {
            switch claimAndInspect(path) {
            case .handled: break
            case .openForWriting: notTaken.append(path)
            case .admit(let record):
                ready.append(record)
                if ready.count >= Self.admissionBatch {
                    await admit(ready, now: clock())
                    ready.removeAll(keepingCapacity: true)
                }
            }
        }
        if !ready.isEmpty { await admit(ready, now: clock()) }
        return notTaken
    }

    /// The most claimed jobs admitted in one turn of the engine.
    static let admissionBatch = 256

    enum Claimed {
        /// Gone, failed to claim, or left to wait for its writer on a task of its own.
        case handled
        case openForWriting
        case admit(JobRecord)
    }

    nonisolated func claimAndInspect(_ path: String) -> Claimed {
        let now = clock()
        let claimed: JobRecord
        let inspected: DocumentInspector.Findings?
        do {
            let taken = try claimer.claim(path, now: now, inspectingUpTo: settings.maxBytes, logger: logger)
            switch taken.outcome {
            case .gone: return .handled
            case .openForWriting: return .openForWriting
            case .claimed(let record): claimed = record
            }
            inspected = taken.findings
        } catch {
            logger.error("cannot claim", metadata: ["path": "\(path)", "error": "\(error)"])
            return .handled
        }
        if claimed.state.isFinal { return .admit(claimed) }
        // Not inspected by the claim (unreadable, say): looked at by its path.
        let findings = inspected ?? inspect(claimed, waitingForWriters: true)
        if findings.openForWriting {
            // A writer still holds it (possible only where no lease can be had): the job
            // waits for it to close, on its own task, so the intake goes on.
            Task { await self.admitOnceClosed(claimed, now: now) }
            return .handled
        }
        return .admit(Self.applying(findings, to: claimed))
    }

    /// Looks at a claimed document again each time a file in its job folder is closed after
    /// writing (an inotify watch on the folder, read on a thread of its own), until no
    /// process has it open for writing.
    nonisolated func admitOnceClosed(_ claimed: JobRecord, now: Date) async {
        var log = logger
        log[metadataKey: "job"] = "\(claimed.jobID)"
        log.notice("the claimed file is still open for writing; waiting until it is closed")
        let watch: DirectoryWatch?
        do {
            watch = try DirectoryWatch(spool.jobFolder(claimed.jobID), mask: UInt32(IN_CLOSE_WRITE))
        } catch {
            log.warning("cannot watch the job folder; looking again every 200 ms", metadata: ["error": "\(error)"])
            watch = nil
        }
        defer { watch?.end() }
        while true {
            // The watch exists before each look, so a close between the two is not missed.
            let findings = inspect(claimed, waitingForWriters: true)
            if !findings.openForWriting {
                await admit(Self.applying(findings, to: claimed), now: now)
                return
            }
            if let watch {
                let open = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                    let thread = Thread { continuation.resume(returning: (try? watch.next()) != nil) }
                    thread.name = "faxdrop-writer-wait"
                    thread.start()
                }
                // The folder went away: the next look reports what is left and ends it.
                if !open {
                    await admit(Self.applying(inspect(claimed, waitingForWriters: false), to: claimed), now: now)
                    return
                }
            } else {
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// Admits claimed jobs together: one turn of the engine, one dispatch.
    func admit(_ records: [JobRecord], now: Date) async {
        for record in records { journaled[record.jobID] = .claiming }  // what the claims wrote
        guard !stopping else {
            for record in records { persist(record) }
            return
        }
        for record in records where record.state.isFinal { persist(record) }
        await apply(scheduler.admit(records, now: now))
    }

    func admit(_ record: JobRecord, now: Date) async {
        journaled[record.jobID] = .claiming  // what the claim wrote
        // While stopping, the journal is enough: the job is resumed at the next start.
        guard !stopping else {
            persist(record)
            return
        }
        // A job that ended on input is journaled as final before its result is written;
        // every other admission is journaled by the scheduler's own `persist`.
        if record.state.isFinal { persist(record) }
        await apply(scheduler.admit(record, now: now))
    }

    /// Cancels a job. `false` if it is not active here. Nothing calls it yet: `faxdrop cancel`
    /// reaches the engine as a control request (`handleControlRequests`), and the HTTP API
    /// has no DELETE route.
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
        if let error = findings.error, record.number != nil {
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
