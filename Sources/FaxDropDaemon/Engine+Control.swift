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
        jobLogger(id).info("submitted", metadata: ["destination": "\(record.destination)", "name": "\(record.originalName)"])
        await admitClaimed(record, now: clock())
    }

    /// Queues the failed job `old` again as `new`, from a copy of its kept document.
    func retry(_ old: JobID, as new: JobID) async {
        let log = jobLogger(new)
        guard let sidecar = StatusReport.sidecar(old, spool: spool), sidecar.status == .failed else {
            log.warning("retry requested for a job that has not failed", metadata: ["retry_of": "\(old)"])
            return
        }
        let folder = spool.jobFolder(new)
        var record = JobRecord(
            jobID: new, state: .claiming, destination: sidecar.destination, originalName: sidecar.document.originalName,
            documentFile: "document", fax: sidecar.fax, queuedAt: clock(), retryOf: old)
        // A job of several documents is retried whole, in the same order.
        let further = Array((sidecar.documents ?? []).dropFirst().prefix(JobDocument.maxCount - 1))
        if !further.isEmpty {
            record.moreDocuments = further.enumerated().map { i, document in
                JobDocument(originalName: document.originalName, file: JobDocument.fileName(i + 2))
            }
        }
        do {
            // As a claim: the journal first, then the document (a copy; the old job keeps its own).
            try Syscall.mkdir(folder, mode: 0o750)
            try journal.write(record)
            guard let kept = sidecar.document.storedAs else {
                throw FaxError(.notARegularFile, "the failed job kept no document to send again")
            }
            let bytes = try AtomicFile.read(spool.failed + "/" + kept, limit: Int.max)
            try AtomicFile.write(bytes, to: spool.document(new), stagingDirectory: spool.tmp)
            for (i, document) in further.enumerated() {
                guard let kept = document.storedAs, !kept.contains("/") else {
                    throw FaxError(.notARegularFile, "the failed job kept no document \(i + 2) to send again")
                }
                let bytes = try AtomicFile.read(spool.failed + "/" + kept, limit: Int.max)
                try AtomicFile.write(bytes, to: folder + "/" + JobDocument.fileName(i + 2), stagingDirectory: spool.tmp)
            }
        } catch {
            log.error("cannot queue the retry", metadata: ["retry_of": "\(old)", "error": "\(error)"])
            for n in 1...JobDocument.maxCount { try? Syscall.unlink(folder + "/" + JobDocument.fileName(n)) }
            try? Syscall.unlink(spool.journal(new))
            try? Syscall.rmdir(folder)
            return
        }
        record.state = .queued
        log.info("retrying a failed job", metadata: ["retry_of": "\(old)"])
        await admitClaimed(record, now: clock())
    }
}
