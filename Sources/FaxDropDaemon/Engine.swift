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
        public var cover: Bool
        public var coverSender: String?
        public var coverNotice: String
        /// Drawn under the cover page's fields; `nil` for none.
        public var coverLetterhead: Letterhead?
        /// Days an ended job's fax image is kept in `images/`; 0 keeps none.
        public var keepImagesDays: Int

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
    var finishTasks: [JobID: Task<Void, Never>] = [:]
    /// The state each active job's journal on disk holds.
    var journaled: [JobID: JobState] = [:]
    /// Jobs whose latest journal write failed (what is on disk is older than the scheduler).
    var journalBehind: Set<JobID> = []
    var unfinished: Set<JobID> = []
    var ticker: Task<Void, Never>?
    var stopping = false
    var lastControlPoll = Date.distantPast
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

    /// Resumes every job in `active/` from its journal, then starts the timer.
    public func start() async throws {
        try spool.createLayout()
        removeStaleTempFiles()
        try await recoverAll()
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
        // Results decided on the way out are written before the engine stops.
        while let task = finishTasks.values.first {
            await task.value
        }
    }

    /// Adds an observer of renders, attempts and finished jobs.
    public func addObserver(_ observer: any EngineObserver) {
        observers.append(observer)
    }

    /// Jobs not yet final, by state.
    public func snapshot() -> [JobRecord] { scheduler.jobs.values.sorted { $0.jobID < $1.jobID } }

    public var callsInProgress: Int { scheduler.callsInProgress }

    /// Temp files of atomic writes that a crash interrupted (`tmp/.<name>.<pid>.<n>.tmp`).
    /// Nothing else in `tmp/` is touched: staged submissions there are renamed in by
    /// their submitter.
    func removeStaleTempFiles() {
        for name in (try? Syscall.listDirectory(spool.tmp)) ?? [] where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            try? Syscall.unlink(spool.tmp + "/" + name)
        }
    }
}
