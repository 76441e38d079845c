import FaxDropCore
import FaxDropFaxImage
import FaxDropScheduler
import FaxDropSystem
import FaxDropWatcher
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
        public var cover: Bool
        public var coverSender: String?
        public var coverNotice: String
        /// Drawn under the cover page's fields; `nil` for none.
        public var coverLetterhead: Letterhead?
        /// Days an ended job's fax image is kept in `images/`; 0 keeps none.
        public var keepImagesDays: Int
        /// Renders in flight at once (twice the renderer workers, so none waits for work);
        /// the other jobs to render wait in `renderQueue`, as ids, not as tasks.
        public var rendersAtOnce: Int

        public init(_ c: Configuration) {
            policy = SchedulerPolicy(c)
            resolution = c.resolution
            paper = c.paper
            maxPages = c.maxPages
            maxBytes = c.maxBytes
            trimBlankTail = c.trimBlankTail
            header = c.header
            localStationID = c.localStationID
            cover = c.cover
            coverSender = c.coverSender
            coverNotice = c.coverNotice
            coverLetterhead = c.coverLetterhead.map(Letterhead.init(path:))
            keepImagesDays = c.keepImagesDays
            rendersAtOnce = max(2, 2 * c.renderWorkers)
        }
    }

    public let spool: Spool
    let settings: Settings
    let renderer: any DocumentRenderer
    let backend: any FaxBackend
    let logger: Logger
    let journal: JournalStore
    let results: ResultWriter
    let claimer: Claimer
    let clock: @Sendable () -> Date
    var scheduler: Scheduler
    var callTasks: [JobID: Task<Void, Never>] = [:]
    var workTasks: [JobID: Task<Void, Never>] = [:]
    /// Jobs to render once a render in flight ends (see `Settings.rendersAtOnce`).
    var renderQueue = JobQueue()
    var finishTasks: [JobID: Task<Void, Never>] = [:]
    /// The state each active job's journal on disk holds.
    var journaled: [JobID: JobState] = [:]
    /// Jobs whose latest journal write failed (what is on disk is older than the scheduler).
    var journalBehind: Set<JobID> = []
    /// The engine's one loop: sleeps until the scheduler's next wakeup or an event.
    var loop: Task<Void, Never>?
    let wakeup = Wakeup()
    /// While the loop sleeps: the time it sleeps until (`.some(nil)`: until an event).
    var sleepingUntil: Date??
    /// `faxdrop cancel`/`retry`/`submit` rang the control doorbell: the loop reads `tmp/`.
    var controlPending = false
    var doorbell: ControlDoorbell?
    /// Actions of jobs whose journal could not be written, held until it is (in order).
    var held: [JobID: [SchedulerAction]] = [:]
    var journalRetries: [JobID: Task<Void, Never>] = [:]
    var stopping = false
    /// Set at the stop deadline: calls still live were handed back to Asterisk; what they
    /// report now is left to the next start's reconcile.
    var handedBack = false
    /// Fired when the last render or call ends during a stop.
    var drained: OneShot<Bool>?
    var observers: [any EngineObserver] = []

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
        self.results = ResultWriter(spool: spool, keepImages: settings.keepImagesDays > 0)
        self.claimer = Claimer(
            spool: spool,
            fax: Sidecar.Fax(
                resolution: settings.resolution, paper: settings.paper, header: settings.header,
                localStationID: settings.localStationID),
            coverByDefault: settings.cover)
        self.clock = clock
        self.scheduler = Scheduler(policy: settings.policy)
    }

    /// Resumes every job in `active/` from its journal, then starts the engine's loop and
    /// listens for operator requests.
    public func start() async throws {
        try spool.createLayout()
        removeStaleTempFiles()
        doorbell = try ControlDoorbell.listen(spool: spool, logger: logger) { [weak self] in
            Task { await self?.controlRequested() }
        }
        do {
            try await recoverAll()
        } catch {
            doorbell?.close()
            doorbell = nil
            throw error
        }
        await handleControlRequests()
        loop = Task { await self.run() }
    }

    /// Stops starting new work and waits for calls in flight, for at most `deadline`. Calls
    /// still live then are handed back to Asterisk: not hung up, their journals keep the
    /// attempt as in flight, and the next start reconciles them from Asterisk's stored
    /// result. Renders are not waited for: their jobs are journaled `converting` and
    /// rendered again at the next start. Sidecars already being written are waited for.
    public func stop(handingBackCallsAfter deadline: Duration) async {
        stopping = true
        wakeup.ring()
        await loop?.value
        for task in journalRetries.values { task.cancel() }
        for id in workTasks.keys.sorted() + renderQueue.drain() {
            jobLogger(id).info("render left unfinished by the stop; it runs again at the next start")
        }
        if !callTasks.isEmpty {
            logger.info(
                "waiting for calls in flight",
                metadata: ["calls": "\(callTasks.count)", "deadline_s": "\(deadline.components.seconds)"])
            let signal = OneShot<Bool>()
            drained = signal
            let timer = Task {
                try? await Task.sleep(for: deadline)
                signal.fire(false)
            }
            let allEnded = await signal.wait()
            timer.cancel()
            if !allEnded { handBack() }
        }
        doorbell?.close()
        doorbell = nil
        // Results decided on the way out are written before the engine stops.
        while let task = finishTasks.values.first {
            await task.value
        }
    }

    /// The stop deadline passed with calls live: they are left to Asterisk.
    func handBack() {
        handedBack = true
        for id in callTasks.keys.sorted() {
            let attempt = scheduler.jobs[id]?.attempts.last?.number ?? 0
            jobLogger(id).notice(
                "call handed back to Asterisk at the stop deadline; the next start reconciles it",
                metadata: ["attempt": "\(attempt)", "call_id": "\(id.value)-\(attempt)"])
        }
    }

    /// During a stop: fires `drained` once no call is left.
    func noteEnded() {
        if stopping, callTasks.isEmpty { drained?.fire(true) }
    }

    /// Adds an observer of renders, attempts and finished jobs.
    public func addObserver(_ observer: any EngineObserver) {
        observers.append(observer)
    }

    /// Jobs not yet final, by state.
    public func snapshot() -> [JobRecord] { scheduler.jobs.values.sorted { $0.jobID < $1.jobID } }

    public var callsInProgress: Int { scheduler.callsInProgress }

    /// Temp files of atomic writes that a crash interrupted (`tmp/.<name>.<pid>.<n>.tmp`):
    /// only those whose writer is gone. This process's own writers (the receiver lands
    /// faxes while the engine starts) and a running `faxdrop submit` keep theirs. Nothing
    /// else in `tmp/` is touched: staged submissions there are renamed in by their submitter.
    func removeStaleTempFiles() {
        let me = getpid()
        for name in (try? Syscall.listDirectory(spool.tmp)) ?? [] where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            let parts = name.split(separator: ".")
            guard parts.count >= 4, let pid = pid_t(parts[parts.count - 3]) else { continue }
            if pid == me || Syscall.processExists(pid) { continue }
            try? Syscall.unlink(spool.tmp + "/" + name)
        }
    }
}
