import AsteriskSimulator
import FaxDropCore
import FaxDropDaemon
import FaxDropRenderClient
import FaxDropSystem
import Foundation
import Logging
import Synchronization
import XCTest

/// Issue 13: the daemon's lifecycle. A `systemctl stop` (SIGTERM) during a live call ends
/// within the stop deadline with the call handed back to Asterisk and journaled; a service
/// that cannot start stops those started before it.
final class ShutdownTests: XCTestCase {

    private func faxdrop(_ spool: TestSpool, _ env: [String: String]) throws -> Process {
        let defaults = [
            "FAXDROP_SETTLE_MS": "100", "FAXDROP_RESCAN_SECONDS": "0", "FAXDROP_HTTP": "false",
            "FAXDROP_LOG_LEVEL": "warning",
        ]
        return try runFaxdrop(spool, defaults.merging(env) { _, new in new })
    }

    private func openAttempt(_ spool: TestSpool) throws -> (JobRecord, AttemptRecord)? {
        for case (_, let record?) in try JournalStore(spool: spool.spool).scan() {
            if let last = record.attempts.last, last.endedAt == nil,
                record.state == .dialing || record.state == .sending
            {
                return (record, last)
            }
        }
        return nil
    }

    /// SIGTERM to a real `faxdrop run` (AMI to the simulated Asterisk) while a long call is
    /// live: it exits 0 within `FAXDROP_STOP_TIMEOUT` plus the grace, the call is not hung
    /// up, the journal holds the attempt as in flight, and the next start reconciles it to
    /// one sidecar.
    func testSIGTERMDuringALiveCallHandsTheCallBackAndTheRestartReconcilesIt() async throws {
        let spool = try TestSpool()
        var options = AsteriskSimulator.Options()
        options.username = "faxdrop"
        options.secret = "shutdown-secret"
        options.timeScale = 0.4  // rings 0.8 s, then 8 s per page: the call outlives the deadline
        let simulator = AsteriskSimulator(options: options, logger: testLogger())
        let port = try await simulator.start()
        addTeardownBlock { await simulator.stop() }
        let env = [
            "FAX_BACKEND": "sip", "ASTERISK_AMI_HOST": "127.0.0.1", "ASTERISK_AMI_PORT": "\(port)",
            "ASTERISK_AMI_USERNAME": "faxdrop", "ASTERISK_AMI_PASSWORD": "shutdown-secret",
            "FAXDROP_STOP_TIMEOUT": "1",
        ]
        let first = try faxdrop(spool, env)
        try spool.copy(TestSpool.corpus + "/pdf/23-onepage-letter.pdf", to: "+15551234567/letter.pdf")
        try await waitFor("the call to be answered", timeout: 60) { await !simulator.answeredCalls.isEmpty }
        let answered = await simulator.answeredCalls
        let callID = try XCTUnwrap(answered.first)

        let signalled = ContinuousClock.now
        kill(first.processIdentifier, SIGTERM)
        try await waitFor("the daemon to exit", timeout: 1 + 15 + 5) { !first.isRunning }
        let took = signalled.duration(to: .now)
        XCTAssertEqual(first.terminationReason, .exit)
        XCTAssertEqual(first.terminationStatus, 0)
        XCTAssertLessThan(took, .seconds(1 + 15), "stopped within FAXDROP_STOP_TIMEOUT + the grace")

        // Handed back, not hung up: the call still runs in Asterisk; the journal says so.
        let hangups = await simulator.hangupRequests
        XCTAssertEqual(hangups, [])
        let active = await simulator.activeCalls
        XCTAssertEqual(active, [callID])
        let (record, attempt) = try XCTUnwrap(try openAttempt(spool), "the journal holds the attempt in flight")
        XCTAssertEqual(attempt.number, 1)
        XCTAssertEqual(callID, "\(record.jobID.value)-1")
        XCTAssertEqual(spool.sidecars().done + spool.sidecars().failed, [])

        // The next start reconciles the attempt from Asterisk: one sidecar, one attempt, sent.
        let second = try faxdrop(spool, env)
        let sidecars = try await spool.waitForSidecars(1, timeout: 60)
        let sidecar = try XCTUnwrap(sidecars.first)
        XCTAssertEqual(sidecar.jobID, record.jobID)
        XCTAssertEqual(sidecar.status, .sent)
        XCTAssertEqual(sidecar.attempts.map(\.outcome), ["sent"])
        let originates = await simulator.originates
        XCTAssertEqual(originates.count, 1, "the call was not placed again")
        kill(second.processIdentifier, SIGTERM)
        try await waitFor("the second daemon to exit", timeout: 20) { !second.isRunning }
        XCTAssertEqual(second.terminationStatus, 0)
    }

    /// A backend that records, for each call, whether the job's journal on disk held that
    /// attempt as started when the call began.
    final class JournalCheckingBackend: FaxBackend, DocumentRenderer {
        let name = "journal-check"
        let spool: Spool
        let pool: RenderPool
        let calls = Mutex<[(attempt: Int, journaled: Bool)]>([])
        init(spool: Spool, pool: RenderPool) {
            self.spool = spool
            self.pool = pool
        }

        func render(_ request: RenderRequest, logger: Logger) async -> RenderReply {
            let reply = await pool.render(request, logger: logger)
            // Then the job's journal breaks: job.json becomes a non-empty folder, so the next
            // journal write (the attempt) fails, even for root.
            let journal = spool.journal(JobID(request.id)!)
            try? FileManager.default.removeItem(atPath: journal)
            try? FileManager.default.createDirectory(atPath: journal + "/blocked", withIntermediateDirectories: true)
            return reply
        }

        func send(_ call: CallRequest) async -> CallResult {
            let record = try? JournalStore(spool: spool).read(call.jobID)
            let journaled = record?.attempts.contains { $0.number == call.attempt && $0.endedAt == nil } == true
            calls.withLock { $0.append((call.attempt, journaled)) }
            return CallResult(status: .sent, pagesSent: call.pages)
        }

        func reconcile(_ call: CallRequest, startedAt: Date) async -> CallResult? { nil }
    }

    /// The journal cannot be written when a call is due: no call starts until the attempt
    /// is journaled; the engine retries the write and calls once it succeeds.
    func testNoCallStartsWithoutAJournaledAttempt() async throws {
        let spool = try TestSpool()
        let pool = RenderPool(
            executable: RenderPool.defaultExecutable(), workers: 1, timeout: .seconds(60), logger: testLogger())
        addTeardownBlock { await pool.shutdown() }
        let backend = JournalCheckingBackend(spool: spool.spool, pool: pool)
        let logPath = spool.root + "/../engine.log"
        let fd = open(logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let handler = FaxDropLogHandler(label: "t", format: .text, level: .warning, secrets: [], sink: .init(fd: fd))
        var logger = Logger(label: "t") { _ in handler }
        logger.logLevel = .warning
        _ = try await startDaemon(spool, renderer: backend, backend: backend, logger: logger)
        try spool.copy(TestSpool.corpus + "/pdf/23-onepage-letter.pdf", to: "+15551234567/letter.pdf")

        // The engine tried the journal, failed, and tried again (1 s later): still no call.
        func failures() -> Int {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            return text.components(separatedBy: "cannot write the journal").count - 1
        }
        try await waitFor("two failed journal writes", timeout: 30) { failures() >= 2 }
        XCTAssertEqual(backend.calls.withLock { $0.count }, 0, "a call started with no journaled attempt")

        // The disk "recovers": the next retry writes the journal, then the call starts.
        let id = try XCTUnwrap(try Syscall.listDirectory(spool.spool.active).compactMap(JobID.init).first)
        try FileManager.default.removeItem(atPath: spool.spool.journal(id))
        _ = try await spool.waitForSidecars(1, timeout: 30)
        let calls = backend.calls.withLock { $0 }
        XCTAssertEqual(calls.map(\.attempt), [1])
        XCTAssertEqual(calls.map(\.journaled), [true])
    }

    final class Events: Sendable {
        private let list = Mutex<[String]>([])
        func append(_ event: String) { list.withLock { $0.append(event) } }
        var all: [String] { list.withLock { $0 } }
    }

    /// Records its start and stop; fails to start when told to.
    final class Part: DaemonService {
        let serviceName: String
        let fails: Bool
        let events: Events
        init(_ name: String, fails: Bool = false, events: Events) {
            serviceName = name
            self.fails = fails
            self.events = events
        }
        func start() async throws {
            events.append("start \(serviceName)")
            if fails { throw FaxError(.internalError, "\(serviceName) cannot start") }
        }
        func stop() async { events.append("stop \(serviceName)") }
    }

    /// A daemon on `spool` that renders and dials nothing, with `services` started before its
    /// engine and intake.
    private func recordingDaemon(_ spool: TestSpool, services: [any DaemonService]) throws -> Daemon {
        let recorder = CallRecorder()
        return Daemon(
            configuration: try spool.configuration(), renderer: recorder, backend: recorder, services: services,
            logger: testLogger())
    }

    /// A service that cannot start: `start` throws its error, the services started before it
    /// are stopped (in reverse), the ones after it never start, nor do the engine and intake.
    func testAFailedStartStopsWhatStartedBefore() async throws {
        let spool = try TestSpool()
        let events = Events()
        let daemon = try recordingDaemon(
            spool,
            services: [Part("a", events: events), Part("b", events: events), Part("c", fails: true, events: events)])
        daemon.add(Part("d", events: events))
        do {
            try await daemon.start()
            XCTFail("the daemon started without its service c")
            await daemon.stop()
        } catch let error as FaxError {
            XCTAssertEqual(error.message, "c cannot start")
        }
        XCTAssertEqual(events.all, ["start a", "start b", "start c", "stop b", "stop a"])
        // The intake never ran: a file dropped now stays where it is.
        try spool.write(Array("%PDF-1.4\n".utf8), to: "+15551234567/late.pdf")
        XCTAssertTrue(FileManager.default.fileExists(atPath: spool.spool.outgoing + "/+15551234567/late.pdf"))
    }

    /// Stopping runs in reverse order of starting, the intake and engine before the services.
    func testStopRunsInReverseOrder() async throws {
        let spool = try TestSpool()
        let events = Events()
        let daemon = try recordingDaemon(spool, services: [Part("a", events: events), Part("b", events: events)])
        try await daemon.start()
        XCTAssertEqual(events.all, ["start a", "start b"])
        await daemon.stop()
        XCTAssertEqual(events.all, ["start a", "start b", "stop b", "stop a"])
    }

    /// The shipped unit gives the stop more time than it can take at the defaults:
    /// `FAXDROP_STOP_TIMEOUT` + the grace + 10 s of cancellation.
    func testTheUnitsStopTimeoutCoversTheDeadline() throws {
        let unit = try String(contentsOfFile: TestSpool.packageRoot + "/etc/faxdrop.service", encoding: .utf8)
        let line = try XCTUnwrap(unit.split(separator: "\n").first { $0.hasPrefix("TimeoutStopSec=") })
        let seconds = try XCTUnwrap(Int64(line.dropFirst("TimeoutStopSec=".count)))
        let configuration = try TestSpool().configuration()
        XCTAssertGreaterThan(.seconds(seconds), configuration.stopTimeout + Daemon.stopGrace + Daemon.cancellationLimit)
        let example = try String(contentsOfFile: TestSpool.packageRoot + "/etc/faxdrop.env.example", encoding: .utf8)
        XCTAssertTrue(example.contains("#FAXDROP_STOP_TIMEOUT=\(configuration.stopTimeout.components.seconds)\n"))
    }

    struct Died: Error {}

    /// Serves until the test ends its work, then fails as the HTTP listener does when it dies.
    final class DyingPart: DaemonService {
        let serviceName = "dying"
        let events: Events
        let work: Task<Void, Never>
        init(events: Events, work: Task<Void, Never>) {
            self.events = events
            self.work = work
        }
        func start() async throws { events.append("start dying") }
        func serve() async throws {
            if await untilShutdown(orEndOf: work) { throw Died() }
        }
        func stop() async { events.append("stop dying") }
    }

    /// A service that stops working ends the whole daemon with its error, after every other
    /// service has stopped in reverse order.
    func testAServiceThatDiesEndsTheDaemon() async throws {
        let spool = try TestSpool()
        let events = Events()
        let gate = OneShotGate()
        let work = Task { await gate.wait() }
        let daemon = try recordingDaemon(
            spool,
            services: [Part("a", events: events), DyingPart(events: events, work: work), Part("b", events: events)])
        let running = Task { try await daemon.run(handlingSignals: false) }
        try await waitFor("every service to start", timeout: 30) { events.all.count == 3 }
        // Dropped files are taken: the daemon is up.
        try spool.write(Array("%PDF-1.4\n".utf8), to: "+15551234567/up.pdf")
        _ = try await spool.waitForSidecars(1, timeout: 30)

        gate.open()
        do {
            try await running.value
            XCTFail("the daemon went on without its dying service")
        } catch is Died {}
        // The dead service stops first, then the others in reverse.
        XCTAssertEqual(events.all, ["start a", "start dying", "start b", "stop dying", "stop b", "stop a"])
    }
}

/// Opened once by the test; `wait` returns once it is.
final class OneShotGate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    func open() {
        let waiters = state.withLock { s in
            s.open = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
    func wait() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { s in
                if !s.open { s.waiters.append(continuation) }
                return s.open
            }
            if now { continuation.resume() }
        }
    }
}
