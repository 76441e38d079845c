import FaxDropCore
import FaxDropFaxImage
import FaxDropScheduler
import FaxDropSystem
import Foundation
import Logging

/// Operator requests (`faxdrop cancel`, `faxdrop retry`, `faxdrop submit`), read from `tmp/`
/// when the control doorbell rings and once at start.
extension Engine {
    /// Carries out `faxdrop cancel` and `faxdrop retry` requests.
    func handleControlRequests() async {
        for (request, path) in ControlRequest.pending(in: spool) {
            switch request {
            case .cancel(let id):
                if scheduler.jobs[id] != nil {
                    jobLogger(id).notice("cancel requested by the operator")
                    await apply(scheduler.cancel(id, now: clock()))
                } else {
                    jobLogger(id).notice("cancel requested for a job that is not active; ignored")
                }
            case .retry(let old, let new):
                await retry(old, as: new)
            case .admit(let id):
                await admitSubmitted(id)
            }
            try? Syscall.unlink(path)
        }
    }

    /// Takes a job that `Submitter` placed whole in `active/<id>/` (journal `claiming` and
    /// its document). At start-up the journal scan has taken it already.
    func admitSubmitted(_ id: JobID) async {
        guard scheduler.jobs[id] == nil, finishTasks[id] == nil, var record = try? journal.read(id),
            record.state == .claiming, (try? Syscall.lstatIfExists(spool.document(id))) != nil
        else { return }
        record.state = .queued
        record.fax = claimer.fax.applying(record.options)
        if claimer.coverByDefault, record.options?.cover == nil {
            record.options = (record.options ?? JobOptions()).withCover(default: true)
        }
        jobLogger(id).info(
            "submitted", metadata: ["destination": "\(record.destination)", "name": "\(record.originalName)"])
        await admitClaimed(record, now: clock())
    }

    /// Queues the failed job `old` again as `new`, from a copy of its kept document.
    func retry(_ old: JobID, as new: JobID) async {
        let log = jobLogger(new)
        guard let sidecar = StatusReport.sidecar(old, spool: spool), sidecar.status == .failed else {
            log.warning("retry requested for a job that has not failed", metadata: ["retry_of": "\(old)"])
            return
        }
        // The submit path (staged in tmp/, one rename into active/), off the actor.
        let submitter = Submitter(spool: spool)
        let now = clock()
        var record: JobRecord
        do {
            record = try await BlockingWork.run { try submitter.requeue(sidecar, as: new, now: now) }
        } catch {
            log.error("cannot queue the retry", metadata: ["retry_of": "\(old)", "error": "\(error)"])
            return
        }
        record.state = .queued
        log.info("retrying a failed job", metadata: ["retry_of": "\(old)"])
        await admitClaimed(record, now: clock())
    }
}
