import FaxDropCore
import FaxDropFaxImage
import FaxDropScheduler
import FaxDropSystem
import Foundation
import Logging

/// Carrying out the scheduler's actions: journal writes, renders, calls, sidecars.
extension Engine {
    /// Performs the actions in order. A job's actions after a journal write that failed
    /// are held, not performed, until a retry writes the journal (`retryJournal`): no call
    /// starts without its attempt on disk. Only `finish` is not held: the sidecar is the
    /// final word, written durably and retried on its own. While stopping, no render, call
    /// or reconcile starts; a job the scheduler just gave a call to is journaled as it was
    /// before it.
    func apply(_ actions: [SchedulerAction]) async {
        let notCalled: Set<JobID> =
            stopping
            ? Set(actions.compactMap { if case .call(let id, _, _) = $0 { return id } else { return nil } }) : []
        for action in actions {
            let id = action.job
            if held[id] != nil, action != .finish(id) {
                held[id]?.append(action)
                continue
            }
            switch action {
            case .persist(let id):
                guard var record = scheduler.jobs[id] else { continue }
                if !journalAlreadySays(record) {
                    if notCalled.contains(id) { record = record.beforeOpenAttempt }
                    if !persist(record) { holdActions(of: id) }
                }
                for observer in observers { observer.jobChanged(record) }
            case .render(let id):
                if !stopping { startRender(id) }
            case .call(let id, let attempt, let firstPage):
                if stopping {
                    jobLogger(id).info("not calling: the daemon is stopping", metadata: ["attempt": "\(attempt)"])
                } else {
                    startCall(id, attempt: attempt, firstPage: firstPage)
                }
            case .reconcile(let id):
                if !stopping { startReconcile(id) }
            case .hangUp(let id):
                callTasks[id]?.cancel()
            case .finish(let id):
                finish(id)
            }
        }
        noteChange()
    }

    /// Writes the job's journal; `false` (logged) when it could not be written.
    @discardableResult
    func persist(_ record: JobRecord) -> Bool {
        do {
            try journal.write(record)
            journaled[record.jobID] = record.state
            journalBehind.remove(record.jobID)
            return true
        } catch {
            journalBehind.insert(record.jobID)
            jobLogger(record.jobID).error(
                "cannot write the journal; the job waits until it can", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Holds the job's next actions and tries its journal again after 1 s, then 2, 4, …
    /// up to 30 s between tries, until it is written or the engine stops.
    func holdActions(of id: JobID) {
        held[id] = []
        journalRetries[id] = Task {
            var delay = Duration.seconds(1)
            while !Task.isCancelled {
                try? await Task.sleep(for: delay)
                guard !Task.isCancelled, await self.retryJournal(id) else { return }
                delay = min(delay * 2, .seconds(30))
            }
        }
    }

    /// One more try at a held job's journal; `true` to keep trying. Once written, the held
    /// actions run, in order.
    func retryJournal(_ id: JobID) async -> Bool {
        guard !stopping else { return false }
        guard let record = scheduler.jobs[id] else {
            held[id] = nil
            journalRetries[id] = nil
            return false
        }
        guard persist(record) else { return true }
        let actions = held.removeValue(forKey: id) ?? []
        journalRetries[id] = nil
        jobLogger(id).notice("journal written; the job goes on")
        await apply(actions)
        return false
    }

    /// A fresh claim's journal (`claiming`, document in place) already resumes exactly as a
    /// `converting` one would: the document is examined and rendered again. Skipping that
    /// one rewrite halves the files a burst of drops creates.
    func journalAlreadySays(_ record: JobRecord) -> Bool {
        record.state == .converting && record.attempts.isEmpty && !record.cancelRequested
            && journaled[record.jobID] == .claiming
    }

    func jobLogger(_ id: JobID) -> Logger {
        var l = logger
        l[metadataKey: "job"] = "\(id)"
        return l
    }

    /// Starts the job's render, or queues it while `rendersAtOnce` renders are in flight:
    /// a burst of claims keeps thousands of jobs to render, and a task each, parked on
    /// the renderer pool, took most of the daemon's memory (issue 14).
    func startRender(_ id: JobID) {
        guard workTasks.count < settings.rendersAtOnce else {
            renderQueue.append(id)
            return
        }
        launchRender(id)
    }

    /// Starts queued renders while there is room; a job no longer converting (failed or
    /// finished meanwhile) is skipped. A cancelled job still converts: it ends when its
    /// render returns, as one in flight does.
    func startQueuedRenders() {
        while workTasks.count < settings.rendersAtOnce, let id = renderQueue.popFirst() {
            if scheduler.jobs[id]?.state == .converting { launchRender(id) }
        }
    }

    private func launchRender(_ id: JobID) {
        guard let record = scheduler.jobs[id] else { return }
        let request = RenderRequest(
            id: id.value, input: spool.document(id), output: spool.faxImage(id), resolution: record.fax.resolution,
            paper: record.fax.paper, maxPages: settings.maxPages, maxBytes: settings.maxBytes,
            trimBlankTail: settings.trimBlankTail, format: record.format)
        let renderer = self.renderer
        let log = jobLogger(id)
        log.info("rendering", metadata: ["format": "\(record.format?.rawValue ?? "unknown")"])
        let cover = coverTemplate(record)
        let folder = spool.jobFolder(id)
        let more = record.moreDocuments ?? []
        let firstName = record.originalName
        let letterhead = settings.coverLetterhead
        workTasks[id] = Task {
            let reply = await JobRenderSteps.render(
                request, more: more, firstName: firstName, cover: cover, letterhead: letterhead, renderer: renderer,
                folder: folder, logger: log)
            await self.renderDone(id, reply, output: request.output)
        }
    }

    /// The job's cover page, its page count still to be set; `nil` when it has none.
    func coverTemplate(_ record: JobRecord) -> CoverPage? {
        guard let number = record.number else { return nil }
        return settings.coverTemplate(
            options: record.options, recipient: number.value, recipientName: record.recipientName, fax: record.fax,
            date: clock())
    }

    func renderDone(_ id: JobID, _ reply: RenderReply, output: String) async {
        workTasks[id] = nil
        // Stopping: the journal says `converting`, so the next start renders it again.
        guard !stopping else { return }
        startQueuedRenders()
        let log = jobLogger(id)
        let now = clock()
        for observer in observers { observer.renderEnded(job: id, seconds: reply.seconds, error: reply.error?.code) }
        if let failure = reply.error {
            log.warning(
                "render failed", metadata: ["code": "\(failure.code.rawValue)", "message": "\(failure.message)"])
            await apply(
                scheduler.renderFailed(id, FaxError(failure.code, failure.message), format: reply.format, now: now))
            return
        }
        // The page count and page sizes are the renderer's reply (the worker, or the cover and
        // documents steps that joined images, read them from the image they wrote): the image
        // is not opened again here, on the actor.
        guard reply.pages > 0, reply.pageBytes.count == reply.pages else {
            await apply(
                scheduler.renderFailed(
                    id,
                    FaxError(
                        .conversionFailed,
                        "the renderer reported \(reply.pages) pages and \(reply.pageBytes.count) page sizes"),
                    format: reply.format, now: now))
            return
        }
        if let record = scheduler.jobs[id], let change = documentChange(record) {
            log.warning("the document changed after its claim", metadata: ["message": "\(change.message)"])
            await apply(scheduler.renderFailed(id, change, format: reply.format, now: now))
            return
        }
        log.debug(
            "rendered", metadata: ["pages": "\(reply.pages)", "seconds": "\(String(format: "%.3f", reply.seconds))"])
        await apply(
            scheduler.renderSucceeded(
                id, pages: reply.pages, pageBytes: reply.pageBytes, format: reply.format, now: now))
    }

    func callRequest(_ record: JobRecord, attempt: Int) -> CallRequest? {
        guard let number = record.number else { return nil }
        var request = CallRequest(
            jobID: record.jobID, attempt: attempt, destination: number, tiffPath: spool.faxImage(record.jobID),
            pages: record.pagesTotal ?? 0, pageBytes: record.pageBytes, header: record.fax.header,
            localStationID: record.fax.localStationID)
        request.node = record.attempts.last { $0.number == attempt }?.node
        return request
    }

    func startCall(_ id: JobID, attempt: Int, firstPage: Int) {
        guard let record = scheduler.jobs[id], let call = callRequest(record, attempt: attempt) else { return }
        let backend = self.backend
        let spool = self.spool
        let log = jobLogger(id)
        log.info(
            "calling",
            metadata: ["attempt": "\(attempt)", "destination": "\(call.destination)", "first_page": "\(firstPage)"])
        callTasks[id] = Task {
            var call = call
            if firstPage > 1 {
                // Copying the unsent pages is libtiff work: off the actor.
                let tiff = call.tiffPath
                guard
                    let partial = try? await BlockingWork.run({
                        PageSubset.make(from: tiff, firstPage: firstPage, spool: spool, id: id)
                    })
                else {
                    let failure = CallResult(
                        status: .failed(.internalError), pagesSent: 0,
                        message: "the unsent pages from page \(firstPage) could not be copied for the retry")
                    await self.callDone(id, attempt: attempt, failure)
                    return
                }
                call.tiffPath = partial.path
                call.pages = partial.pages
                call.pageBytes = Array(call.pageBytes.dropFirst(firstPage - 1))
            }
            let result = await backend.send(call)
            await self.callDone(id, attempt: attempt, result)
        }
    }

    func startReconcile(_ id: JobID) {
        guard let record = scheduler.jobs[id], let attempt = record.attempts.last,
            let call = callRequest(record, attempt: attempt.number)
        else {
            Task { await self.callLost(id) }
            return
        }
        let backend = self.backend
        jobLogger(id).info("reconciling a call that was in flight", metadata: ["attempt": "\(attempt.number)"])
        callTasks[id] = Task {
            if let result = await backend.reconcile(call, startedAt: attempt.startedAt) {
                await self.callDone(id, attempt: attempt.number, result)
            } else {
                await self.callLost(id)
            }
        }
    }

    func callDone(_ id: JobID, attempt: Int, _ result: CallResult) async {
        callTasks[id] = nil
        defer { noteEnded() }
        // Handed back at the stop deadline: the journal keeps the attempt in flight and the
        // next start reconciles it; nothing more is written now.
        guard !handedBack else { return }
        let log = jobLogger(id)
        switch result.status {
        case .sent: log.info("sent", metadata: ["pages": "\(result.pagesSent)"])
        case .failed(let code):
            log.notice(
                "call failed",
                metadata: ["code": "\(code.rawValue)", "pages": "\(result.pagesSent)", "message": "\(result.message)"])
        case .unavailable: log.warning("backend unavailable; the job waits", metadata: ["message": "\(result.message)"])
        }
        switch result.status {
        case .sent: for o in observers { o.attemptEnded(job: id, outcome: "sent", pagesSent: result.pagesSent) }
        case .failed(let code):
            for o in observers { o.attemptEnded(job: id, outcome: code.rawValue, pagesSent: result.pagesSent) }
        case .unavailable: break
        }
        if stopping, case .failed(.cancelled) = result.status {
            // Shutting down, not an operator's cancel: leave the journal as it is (in call);
            // the next start reconciles it.
            return
        }
        let actions = scheduler.callEnded(id, attempt: attempt, result, now: clock())
        await apply(actions)
        let persisted = actions.contains { if case .persist(id) = $0 { return true } else { return false } }
        if result.status != .unavailable && persisted && !journalBehind.contains(id) {
            // The journal holds the attempt's result: the backend's own copy can go. Not
            // awaited: the engine does not wait for Asterisk.
            let backend = self.backend
            Task { await backend.resultJournaled(jobID: id, attempt: attempt) }
        }
    }

    func callLost(_ id: JobID) async {
        callTasks[id] = nil
        defer { noteEnded() }
        guard !handedBack else { return }
        await apply(scheduler.callLost(id, now: clock()))
    }

    /// Writes the job's sidecar off the engine (a durable write waits for the disk), then
    /// forgets the job. A failed write (typically a full disk) is tried again every 5 s;
    /// the journal is final, so a restart would end the job too.
    func finish(_ id: JobID) {
        guard let current = scheduler.jobs[id], finishTasks[id] == nil else { return }
        let record = checkedBeforeFinishing(current)
        let results = self.results
        let now = clock()
        finishTasks[id] = Task {
            let outcome: Result<ResultWriter.Written, any Error>
            do {
                outcome = .success(try await BlockingWork.run { try results.write(record, now: now) })
            } catch {
                outcome = .failure(error)
            }
            await self.finished(id, record, now: now, outcome)
        }
    }

    func finished(_ id: JobID, _ record: JobRecord, now: Date, _ outcome: Result<ResultWriter.Written, any Error>) async
    {
        finishTasks[id] = nil
        switch outcome {
        case .success(let written):
            let path = written.path
            scheduler.finished(id)
            journaled[id] = nil
            let status = record.state == .done ? "sent" : "failed"
            jobLogger(id).info(
                "finished",
                metadata: [
                    "status": "\(status)", "code": "\(record.lastError?.code.rawValue ?? "-")", "sidecar": "\(path)",
                ])
            // The sidecar as written, built once.
            for observer in observers { observer.jobFinished(written.sidecar, sidecarPath: path) }
        case .failure(let error):
            jobLogger(id).error("cannot write the result; will try again", metadata: ["error": "\(error)"])
            guard !stopping else { return }
            Task {
                try? await Task.sleep(for: .seconds(5))
                await self.retryFinish(id)
            }
        }
    }

    func retryFinish(_ id: JobID) async {
        guard !stopping, scheduler.jobs[id]?.state.isFinal == true else { return }
        finish(id)
    }
}
