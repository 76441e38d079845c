import FaxDropCore
import FaxDropFaxImage
import FaxDropScheduler
import FaxDropSystem
import Foundation
import Logging

/// Drives the scheduler: performs its actions (journal writes, renders, calls, sidecars)
/// and feeds it what happened. All job state changes pass through here, one at a time.
public actor Engine {
    public struct Settings: Sendable {
        public var policy: SchedulerPolicy
        public var resolution: Resolution
        public var paper: Paper
        public var maxPages: Int
        public var maxBytes: Int64
        public var trimBlankTail: Bool
        public var header: String
        public var localStationID: String

        public init(_ c: Configuration) {
            policy = SchedulerPolicy(c)
            resolution = c.resolution
            paper = c.paper
            maxPages = c.maxPages
            maxBytes = c.maxBytes
            trimBlankTail = c.trimBlankTail
            header = c.header
            localStationID = c.localStationID
        }
    }

    public let spool: Spool
    private let settings: Settings
    private let renderer: any DocumentRenderer
    private let backend: any FaxBackend
    private let logger: Logger
    private let journal: JournalStore
    private let results: ResultWriter
    private let claimer: Claimer
    private let clock: @Sendable () -> Date
    private var scheduler: Scheduler
    private var callTasks: [JobID: Task<Void, Never>] = [:]
    private var workTasks: [JobID: Task<Void, Never>] = [:]
    private var unfinished: Set<JobID> = []
    private var ticker: Task<Void, Never>?
    private var stopping = false
    private var observers: [any EngineObserver] = []

    public init(
        spool: Spool, settings: Settings, renderer: any DocumentRenderer, backend: any FaxBackend, logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.spool = spool
        self.settings = settings
        self.renderer = renderer
        self.backend = backend
        self.logger = logger
        self.journal = JournalStore(spool: spool)
        self.results = ResultWriter(spool: spool)
        self.claimer = Claimer(
            spool: spool,
            fax: Sidecar.Fax(
                resolution: settings.resolution, paper: settings.paper, header: settings.header,
                localStationID: settings.localStationID))
        self.clock = clock
        self.scheduler = Scheduler(policy: settings.policy)
    }

    /// Resumes every job in `active/` from its journal, then starts the timer.
    public func start() async throws {
        try spool.createLayout()
        for (id, record) in try journal.scan() {
            await recover(id, record)
        }
        await handleControlRequests()
        let interval = Duration.milliseconds(100)
        ticker = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await self?.tick()
            }
        }
    }

    /// Stops starting new work; waits for renders and calls in flight to end (a call is
    /// hung up and journaled; it is resumed at the next start).
    public func stop() async {
        stopping = true
        ticker?.cancel()
        let running = Array(callTasks.values) + Array(workTasks.values)
        for task in running { await task.value }
    }

    /// Adds an observer of renders, attempts and finished jobs.
    public func addObserver(_ observer: any EngineObserver) {
        observers.append(observer)
    }

    /// Jobs not yet final, by state.
    public func snapshot() -> [JobRecord] { scheduler.jobs.values.sorted { $0.jobID < $1.jobID } }

    public var callsInProgress: Int { scheduler.callsInProgress }

    // MARK: Intake

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

    private func admitClaimed(_ claimed: JobRecord, now: Date) async {
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

    private func recover(_ id: JobID, _ record: JobRecord?) async {
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

    // MARK: Scheduler actions

    private var lastControlPoll = Date.distantPast

    private func tick() async {
        guard !stopping else { return }
        let now = clock()
        if now.timeIntervalSince(lastControlPoll) >= 1 || now < lastControlPoll {
            lastControlPoll = now
            await handleControlRequests()
        }
        await apply(scheduler.tick(now: now))
    }

    /// Carries out `faxdrop cancel` and `faxdrop retry` requests.
    private func handleControlRequests() async {
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
            }
            try? Syscall.unlink(path)
        }
    }

    /// Queues the failed job `old` again as `new`, from a copy of its kept document.
    private func retry(_ old: JobID, as new: JobID) async {
        let log = jobLogger(new)
        guard let sidecar = StatusReport.sidecar(old, spool: spool), sidecar.status == .failed else {
            log.warning("retry requested for a job that has not failed", metadata: ["retry_of": "\(old)"])
            return
        }
        let folder = spool.jobFolder(new)
        do {
            try Syscall.mkdir(folder, mode: 0o750)
            let bytes = try AtomicFile.read(spool.failed + "/" + sidecar.document.storedAs, limit: Int.max)
            try AtomicFile.write(bytes, to: spool.document(new), stagingDirectory: spool.tmp)
        } catch {
            log.error("cannot queue the retry", metadata: ["retry_of": "\(old)", "error": "\(error)"])
            try? Syscall.unlink(spool.document(new))
            try? Syscall.rmdir(folder)
            return
        }
        let record = JobRecord(
            jobID: new, state: .queued, destination: sidecar.destination, originalName: sidecar.document.originalName,
            documentFile: "document", fax: sidecar.fax, queuedAt: clock(), retryOf: old)
        log.info("retrying a failed job", metadata: ["retry_of": "\(old)"])
        await admitClaimed(record, now: clock())
    }

    private func apply(_ actions: [SchedulerAction]) async {
        for action in actions {
            switch action {
            case .persist(let id):
                if let record = scheduler.jobs[id] { persist(record) }
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

    private func persist(_ record: JobRecord) {
        do {
            try journal.write(record)
        } catch {
            logger.error("cannot write the journal", metadata: ["job": "\(record.jobID)", "error": "\(error)"])
        }
    }

    private func jobLogger(_ id: JobID) -> Logger {
        var l = logger
        l[metadataKey: "job"] = "\(id)"
        return l
    }

    private func startRender(_ id: JobID) {
        guard let record = scheduler.jobs[id] else { return }
        let request = RenderRequest(
            id: id.value, input: spool.document(id), output: spool.faxImage(id), resolution: record.fax.resolution,
            paper: record.fax.paper, maxPages: settings.maxPages, maxBytes: settings.maxBytes,
            trimBlankTail: settings.trimBlankTail)
        let renderer = self.renderer
        let log = jobLogger(id)
        log.info("rendering", metadata: ["format": "\(record.format?.rawValue ?? "unknown")"])
        workTasks[id] = Task {
            let reply = await renderer.render(request, logger: log)
            await self.renderDone(id, reply, output: request.output)
        }
    }

    private func renderDone(_ id: JobID, _ reply: RenderReply, output: String) async {
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
        log.debug("rendered image checked", metadata: ["pages": "\(pages.count)", "seconds": "\(String(format: "%.3f", reply.seconds))"])
        await apply(scheduler.renderSucceeded(id, pages: pages.count, pageBytes: pages.map(\.encodedBytes), format: reply.format, now: now))
    }

    private func callRequest(_ record: JobRecord, attempt: Int) -> CallRequest? {
        guard let number = E164Number(record.destination) else { return nil }
        return CallRequest(
            jobID: record.jobID, attempt: attempt, destination: number, tiffPath: spool.faxImage(record.jobID),
            pages: record.pagesTotal ?? 0, pageBytes: record.pageBytes, header: record.fax.header,
            localStationID: record.fax.localStationID)
    }

    private func startCall(_ id: JobID, attempt: Int, firstPage: Int) {
        guard let record = scheduler.jobs[id], var call = callRequest(record, attempt: attempt) else { return }
        if firstPage > 1 {
            guard let partial = PageSubset.make(from: call.tiffPath, firstPage: firstPage, spool: spool, id: id) else {
                let failure = CallResult(
                    status: .failed(.internalError), pagesSent: 0,
                    message: "the unsent pages from page \(firstPage) could not be copied for the retry")
                Task { await self.callDone(id, failure) }
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
            await self.callDone(id, result)
        }
    }

    private func startReconcile(_ id: JobID) {
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
                await self.callDone(id, result)
            } else {
                await self.callLost(id)
            }
        }
    }

    private func callDone(_ id: JobID, _ result: CallResult) async {
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
        await apply(scheduler.callEnded(id, result, now: clock()))
    }

    private func callLost(_ id: JobID) async {
        callTasks[id] = nil
        await apply(scheduler.callLost(id, now: clock()))
    }

    private func finish(_ id: JobID) {
        guard let record = scheduler.jobs[id] else { return }
        do {
            let now = clock()
            let path = try results.finish(record, now: now)
            scheduler.finished(id)
            let status = record.state == .done ? "sent" : "failed"
            jobLogger(id).info("finished", metadata: ["status": "\(status)", "code": "\(record.lastError?.code.rawValue ?? "-")", "sidecar": "\(path)"])
            if !observers.isEmpty {
                let sidecar = results.makeSidecar(record, now: now)
                for observer in observers { observer.jobFinished(sidecar, sidecarPath: path) }
            }
        } catch {
            // Typically a full disk: the journal is final, so the next try (or start) ends it.
            jobLogger(id).error("cannot write the result; will try again", metadata: ["error": "\(error)"])
            Task {
                try? await Task.sleep(for: .seconds(5))
                await self.retryFinish(id)
            }
        }
    }

    private func retryFinish(_ id: JobID) async {
        guard !stopping, scheduler.jobs[id]?.state.isFinal == true else { return }
        finish(id)
    }
}
