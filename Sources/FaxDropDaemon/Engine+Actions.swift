import FaxDropCore
import FaxDropFaxImage
import FaxDropScheduler
import FaxDropSystem
import Foundation
import Logging

/// Carrying out the scheduler's actions: journal writes, renders, calls, sidecars.
extension Engine {
    func apply(_ actions: [SchedulerAction]) async {
        for action in actions {
            switch action {
            case .persist(let id):
                if let record = scheduler.jobs[id] {
                    if !journalAlreadySays(record) { persist(record) }
                    for observer in observers { observer.jobChanged(record) }
                }
            case .render(let id):
                startRender(id)
            case .call(let id, let attempt, let firstPage):
                startCall(id, attempt: attempt, firstPage: firstPage)
            case .reconcile(let id):
                startReconcile(id)
            case .hangUp(let id):
                callTasks[id]?.cancel()
            case .finish(let id):
                finish(id)
            }
        }
    }

    func persist(_ record: JobRecord) {
        do {
            try journal.write(record)
            journaled[record.jobID] = record.state
            journalBehind.remove(record.jobID)
        } catch {
            journalBehind.insert(record.jobID)
            logger.error("cannot write the journal", metadata: ["job": "\(record.jobID)", "error": "\(error)"])
        }
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

    func startRender(_ id: JobID) {
        guard let record = scheduler.jobs[id] else { return }
        let request = RenderRequest(
            id: id.value, input: spool.document(id), output: spool.faxImage(id), resolution: record.fax.resolution,
            paper: record.fax.paper, maxPages: settings.maxPages, maxBytes: settings.maxBytes,
            trimBlankTail: settings.trimBlankTail)
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
        guard let number = E164Number(record.destination) else { return nil }
        return settings.coverTemplate(
            options: record.options, recipient: number.value, recipientName: record.recipientName, fax: record.fax,
            date: clock())
    }

    func renderDone(_ id: JobID, _ reply: RenderReply, output: String) async {
        workTasks[id] = nil
        let log = jobLogger(id)
        let now = clock()
        for observer in observers { observer.renderEnded(job: id, seconds: reply.seconds, error: reply.error?.code) }
        if let failure = reply.error {
            log.warning("render failed", metadata: ["code": "\(failure.code.rawValue)", "message": "\(failure.message)"])
            await apply(scheduler.renderFailed(id, FaxError(failure.code, failure.message), format: reply.format, now: now))
            return
        }
        // The page count comes from the image itself, not from the renderer's word.
        let pages: [FaxPageInfo]
        do {
            pages = try FaxImage.inspect(output)
        } catch {
            await apply(scheduler.renderFailed(id, FaxError(.conversionFailed, "the rendered image is unreadable: \(error)"), format: reply.format, now: now))
            return
        }
        guard !pages.isEmpty, pages.count == reply.pages else {
            await apply(scheduler.renderFailed(
                id, FaxError(.conversionFailed, "the renderer reported \(reply.pages) pages but wrote \(pages.count)"),
                format: reply.format, now: now))
            return
        }
        if let record = scheduler.jobs[id], let change = documentChange(record) {
            log.warning("the document changed after its claim", metadata: ["message": "\(change.message)"])
            await apply(scheduler.renderFailed(id, change, format: reply.format, now: now))
            return
        }
        log.debug("rendered image checked", metadata: ["pages": "\(pages.count)", "seconds": "\(String(format: "%.3f", reply.seconds))"])
        await apply(scheduler.renderSucceeded(id, pages: pages.count, pageBytes: pages.map(\.encodedBytes), format: reply.format, now: now))
    }

    func callRequest(_ record: JobRecord, attempt: Int) -> CallRequest? {
        guard let number = E164Number(record.destination) else { return nil }
        return CallRequest(
            jobID: record.jobID, attempt: attempt, destination: number, tiffPath: spool.faxImage(record.jobID),
            pages: record.pagesTotal ?? 0, pageBytes: record.pageBytes, header: record.fax.header,
            localStationID: record.fax.localStationID)
    }

    func startCall(_ id: JobID, attempt: Int, firstPage: Int) {
        guard let record = scheduler.jobs[id], var call = callRequest(record, attempt: attempt) else { return }
        if firstPage > 1 {
            guard let partial = PageSubset.make(from: call.tiffPath, firstPage: firstPage, spool: spool, id: id) else {
                let failure = CallResult(
                    status: .failed(.internalError), pagesSent: 0,
                    message: "the unsent pages from page \(firstPage) could not be copied for the retry")
                Task { await self.callDone(id, attempt: attempt, failure) }
                return
            }
            call.tiffPath = partial.path
            call.pages = partial.pages
            call.pageBytes = Array(call.pageBytes.dropFirst(firstPage - 1))
        }
        let backend = self.backend
        let log = jobLogger(id)
        log.info("calling", metadata: ["attempt": "\(attempt)", "destination": "\(call.destination)", "first_page": "\(firstPage)"])
        callTasks[id] = Task {
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
        let log = jobLogger(id)
        switch result.status {
        case .sent: log.info("sent", metadata: ["pages": "\(result.pagesSent)"])
        case .failed(let code): log.notice("call failed", metadata: ["code": "\(code.rawValue)", "pages": "\(result.pagesSent)", "message": "\(result.message)"])
        case .unavailable: log.warning("backend unavailable; the job waits", metadata: ["message": "\(result.message)"])
        }
        switch result.status {
        case .sent: for o in observers { o.attemptEnded(job: id, outcome: "sent", pagesSent: result.pagesSent) }
        case .failed(let code): for o in observers { o.attemptEnded(job: id, outcome: code.rawValue, pagesSent: result.pagesSent) }
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
            let outcome = await Self.resultWriting.run { Result { try results.finish(record, now: now) } }
            await self.finished(id, record, now: now, outcome)
        }
    }

    func finished(_ id: JobID, _ record: JobRecord, now: Date, _ outcome: Result<String, any Error>) async {
        finishTasks[id] = nil
        switch outcome {
        case .success(let path):
            scheduler.finished(id)
            journaled[id] = nil
            let status = record.state == .done ? "sent" : "failed"
            jobLogger(id).info("finished", metadata: ["status": "\(status)", "code": "\(record.lastError?.code.rawValue ?? "-")", "sidecar": "\(path)"])
            if !observers.isEmpty {
                let sidecar = results.makeSidecar(record, now: now)
                for observer in observers { observer.jobFinished(sidecar, sidecarPath: path) }
            }
        case .failure(let error):
            jobLogger(id).error("cannot write the result; will try again", metadata: ["error": "\(error)"])
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

    /// One serial queue for sidecar writes: they wait on the disk, never on the engine.
    static let resultWriting = BlockingQueue(label: "faxdrop.results")
}

/// Runs blocking work (file writes that `fsync`) on a serial dispatch queue and awaits it,
/// so it never holds an actor or a thread of the cooperative pool.
struct BlockingQueue: Sendable {
    let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label, qos: .utility)
    }

    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }
}
