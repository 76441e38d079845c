import FaxDropCore
import FaxDropScheduler
import FaxDropTestSupport
import Foundation
import XCTest

/// Random traffic over simulated hours — arrivals, renders, calls with every outcome,
/// outages of the backend, cancels, duplicate events and crashes with recovery — and the
/// invariants of SPEC §2 checked after every step.
final class SchedulerPropertyTests: XCTestCase {
    func testRandomTrafficKeepsEveryInvariant() {
        var totals = Simulation.Totals()
        for seed in UInt64(1)...40 {
            var simulation = Simulation(seed: seed) { [unowned self] in (self.testRun?.failureCount ?? 0) > 0 }
            simulation.run()
            totals.add(simulation.totals)
            if testRun?.failureCount ?? 0 > 0 {
                XCTFail("seed \(seed) broke an invariant (policy \(simulation.policy))")
                return
            }
        }
        print("property totals: \(totals)")
        // The traffic really exercised every path.
        XCTAssertGreaterThan(totals.jobs, 3000)
        XCTAssertGreaterThan(totals.done, 500)
        XCTAssertGreaterThan(totals.expired, 20)
        XCTAssertGreaterThan(totals.cancelled, 50)
        XCTAssertGreaterThan(totals.outOfAttempts, 50)
        XCTAssertGreaterThan(totals.resumed, 50)
        XCTAssertGreaterThan(totals.crashes, 100)
        XCTAssertGreaterThan(totals.reconciled, 50)
        XCTAssertGreaterThan(totals.unavailable, 200)
    }
}

/// The daemon's engine, reduced to its bookkeeping: it performs the scheduler's actions
/// against a simulated world and checks the invariants.
struct Simulation {
    struct Totals {
        var jobs = 0, done = 0, expired = 0, cancelled = 0, outOfAttempts = 0, resumed = 0
        var crashes = 0, reconciled = 0, unavailable = 0
        mutating func add(_ o: Totals) {
            jobs += o.jobs
            done += o.done
            expired += o.expired
            cancelled += o.cancelled
            outOfAttempts += o.outOfAttempts
            resumed += o.resumed
            crashes += o.crashes
            reconciled += o.reconciled
            unavailable += o.unavailable
        }
    }

    struct LiveCall {
        var destination: String
        var attempt: Int
        var endsAt: Date
        var result: CallResult
        var reconciling = false
    }

    static let destinations = (0..<6).map { "+1555000200\($0)" } + ["+19005550100", "12345"]
    static let failures: [ErrorCode] = [
        .busy, .noAnswer, .congestion, .channelUnavailable, .faxNegotiationFailed, .faxTransferFailed,
        .faxTransferFailed, .timeout, .rejected, .unallocatedNumber,
    ]
    static let arrivalsEnd: TimeInterval = 4 * 3600

    var rng: SplitMix64
    /// Whether the test has failed already: the first broken invariant is enough, and a
    /// broken scheduler may never settle.
    let isFailing: () -> Bool
    let policy: SchedulerPolicy
    var scheduler: Scheduler
    var now = t0
    var totals = Totals()

    var nextJob = 1
    var queuedAt: [JobID: Date] = [:]
    var destination: [JobID: String] = [:]
    var journal: [JobID: JobRecord] = [:]
    var sidecars: [JobID: Int] = [:]
    var rendering: [JobID: Date] = [:]
    var live: [JobID: LiveCall] = [:]
    var placed: [String: [Date]] = [:]
    var lastCrash = Date.distantPast

    var nextArrival = t0
    let arrivalMean: TimeInterval
    var nextCancel = t0
    var nextCrash = t0
    var nextOutageToggle = t0
    var backendDown = false

    init(seed: UInt64, isFailing: @escaping () -> Bool) {
        self.isFailing = isFailing
        var rng = SplitMix64(state: seed)
        policy = SchedulerPolicy(
            maxCalls: Int.random(in: 1...4, using: &rng), maxCallsPerDestination: Int.random(in: 1...2, using: &rng),
            maxAttempts: Int.random(in: 1...6, using: &rng), killAfter: .random(in: 1800...(3 * 3600), using: &rng),
            retryBusy: 180, retryNoAnswer: 300, retryCongestion: 120, retryFax: 60,
            retryUnavailable: .random(in: 5...60, using: &rng), resumePartial: Bool.random(using: &rng),
            maxPerDestinationHour: [0, 0, 3, 6].randomElement(using: &rng)!, denyPrefixes: ["+1900"])
        arrivalMean = .random(in: 45...240, using: &rng)
        self.rng = rng
        scheduler = Scheduler(policy: policy)
        nextCancel = later(600)
        nextCrash = later(2400)
        nextOutageToggle = later(1800)
    }

    /// An exponentially distributed time from now with the given mean.
    mutating func later(_ mean: TimeInterval) -> Date {
        now.addingTimeInterval(-mean * log(Double.random(in: 0.0001..<1, using: &rng)))
    }

    mutating func run() {
        var steps = 0
        while let next = nextEventTime() {
            steps += 1
            guard steps < 100_000 else { return XCTFail("the simulation does not settle") }
            // The first broken invariant is enough; a broken scheduler may never settle.
            if isFailing() { return }
            XCTAssertGreaterThanOrEqual(next, now)
            now = max(now, next)
            step()
            checkInvariants()
        }
        // Quiet: every job ended exactly once and nothing is left behind.
        XCTAssertTrue(scheduler.jobs.isEmpty, "stuck: \(scheduler.jobs.values.map { ($0.jobID, $0.state) })")
        XCTAssertTrue(journal.isEmpty)
        XCTAssertEqual(sidecars.count, nextJob - 1, "lost jobs")
        XCTAssertTrue(sidecars.values.allSatisfy { $0 == 1 }, "a job ended twice")
        totals.jobs += nextJob - 1
    }

    func nextEventTime() -> Date? {
        var times: [Date] = []
        let arriving = nextArrival < t0.addingTimeInterval(Self.arrivalsEnd)
        if arriving { times += [nextArrival, nextCancel, nextCrash, nextOutageToggle] }
        times += rendering.values
        times += live.values.map(\.endsAt)
        if let wake = scheduler.nextWakeup(after: now) { times.append(wake) }
        if !arriving, backendDown { times.append(nextOutageToggle) }
        return times.min()
    }

    mutating func step() {
        if now >= nextArrival, nextArrival < t0.addingTimeInterval(Self.arrivalsEnd) {
            nextArrival = later(arrivalMean)
            let id = jid(nextJob)
            nextJob += 1
            let to = Self.destinations.randomElement(using: &rng)!
            queuedAt[id] = now
            destination[id] = to
            perform(scheduler.admit(makeRecord(nextJob - 1, to: to, queuedAt: now), now: now))
        } else if now >= nextOutageToggle {
            backendDown.toggle()
            nextOutageToggle = later(backendDown ? 300 : 2400)
        } else if now >= nextCancel, nextArrival < t0.addingTimeInterval(Self.arrivalsEnd) {
            nextCancel = later(600)
            if let id = scheduler.jobs.keys.sorted().randomElement(using: &rng) {
                perform(scheduler.cancel(id, now: now))
            }
        } else if now >= nextCrash, nextArrival < t0.addingTimeInterval(Self.arrivalsEnd) {
            nextCrash = later(2400)
            crash()
        } else if let id = Self.firstDue(rendering, now: now) {
            rendering[id] = nil
            if Double.random(in: 0..<1, using: &rng) < 0.9 {
                let pages = Int.random(in: 1...8, using: &rng)
                perform(scheduler.renderSucceeded(id, pages: pages, pageBytes: [], format: .pdf, now: now))
            } else {
                perform(scheduler.renderFailed(id, FaxError(.corruptDocument, "bad"), format: nil, now: now))
            }
        } else if let id = Self.firstDue(live.mapValues(\.endsAt), now: now), let call = live[id] {
            live[id] = nil
            endCall(id, call)
        } else {
            perform(scheduler.tick(now: now))
        }
    }

    /// The earliest due entry, ties broken by id, so that a seed always replays the same way.
    static func firstDue(_ times: [JobID: Date], now: Date) -> JobID? {
        times.filter { $0.value <= now }.min { ($0.value, $0.key) < ($1.value, $1.key) }?.key
    }

    mutating func endCall(_ id: JobID, _ call: LiveCall) {
        if call.reconciling {
            totals.reconciled += 1
            if Bool.random(using: &rng) || call.result.status == .unavailable {
                return perform(scheduler.callLost(id, now: now))
            }
        }
        if call.result.pagesSent > 0 || call.result.status == .sent { perform(scheduler.callAnswered(id)) }
        if call.result.status == .unavailable { totals.unavailable += 1 }
        perform(scheduler.callEnded(id, attempt: call.attempt, call.result, now: now))
        // The same event again (AMI repeats itself): nothing may change.
        if Int.random(in: 0..<10, using: &rng) == 0 {
            let before = scheduler.jobs[id]
            XCTAssertEqual(scheduler.callEnded(id, attempt: call.attempt, call.result, now: now), [])
            if scheduler.inCall.contains(id) == false {
                XCTAssertEqual(scheduler.callEnded(id, call.result, now: now), [])
            }
            XCTAssertEqual(scheduler.jobs[id], before)
        }
    }

    /// `kill -9`: everything in memory is gone; the journals are admitted again.
    mutating func crash() {
        totals.crashes += 1
        lastCrash = now
        rendering = [:]
        let calls = live
        live = [:]
        scheduler = Scheduler(policy: policy)
        perform(scheduler.admit(Array(journal.values), now: now))
        for (id, call) in calls.sorted(by: { $0.key < $1.key }) {
            XCTAssertNotNil(live[id], "a call in flight was not reconciled")
            live[id]?.result = call.result
        }
    }

    mutating func perform(_ actions: [SchedulerAction]) {
        for action in actions {
            switch action {
            case .persist(let id):
                journal[id] = scheduler.jobs[id]
            case .render(let id):
                XCTAssertEqual(journal[id]?.state, .converting)
                rendering[id] = now.addingTimeInterval(.random(in: 1...30, using: &rng))
            case .call(let id, let attempt, let firstPage):
                startCall(id, attempt: attempt, firstPage: firstPage)
            case .reconcile(let id):
                guard let record = journal[id], let attempt = record.attempts.last else {
                    XCTFail("reconcile without a journaled attempt")
                    continue
                }
                live[id] = LiveCall(
                    destination: record.destination, attempt: attempt.number,
                    endsAt: now.addingTimeInterval(.random(in: 0...5, using: &rng)),
                    result: CallResult(status: .failed(.interrupted), pagesSent: 0), reconciling: true)
            case .hangUp(let id):
                XCTAssertNotNil(live[id], "hang-up of a call that is not live")
                live[id]?.endsAt = now.addingTimeInterval(1)
                if Int.random(in: 0..<5, using: &rng) > 0, live[id]?.reconciling == false {
                    live[id]?.result = CallResult(status: .failed(.cancelled), pagesSent: 0)
                }
            case .finish(let id):
                writeSidecar(id)
            }
        }
    }

    mutating func startCall(_ id: JobID, attempt: Int, firstPage: Int) {
        guard let record = journal[id], let open = record.attempts.last else {
            return XCTFail("call before its journal was written")
        }
        XCTAssertEqual(record.state, .dialing)
        XCTAssertEqual(open.number, attempt)
        XCTAssertNil(open.endedAt)
        XCTAssertEqual(open.firstPage, firstPage)
        XCTAssertNil(live[id], "two calls for one job")
        XCTAssertLessThan(now, queuedAt[id]!.addingTimeInterval(policy.killAfter), "dialled past the kill time")
        XCTAssertLessThanOrEqual(attempt, policy.maxAttempts)
        XCTAssertTrue(
            E164Number(record.destination) != nil && !record.destination.hasPrefix("+1900"), "dialled a blocked number")
        let total = record.pagesTotal ?? 0
        XCTAssertTrue((1...max(total, 1)).contains(firstPage))
        if policy.resumePartial {
            XCTAssertEqual(firstPage, min(record.pagesSent + 1, total))
            if firstPage > 1 { totals.resumed += 1 }
        } else {
            XCTAssertEqual(firstPage, 1)
        }

        let left = total - firstPage + 1
        let result: CallResult
        let duration: TimeInterval
        if backendDown {
            result = CallResult(status: .unavailable, pagesSent: 0)
            duration = 0.5
        } else if Double.random(in: 0..<1, using: &rng) < 0.3 {
            result = CallResult(status: .sent, pagesSent: left)
            duration = .random(in: 30...300, using: &rng)
        } else {
            let code = Self.failures.randomElement(using: &rng)!
            let pages = code == .faxTransferFailed ? Int.random(in: 0..<left, using: &rng) : 0
            result = CallResult(status: .failed(code), pagesSent: pages)
            duration = .random(in: 5...120, using: &rng)
        }
        if result.status != .unavailable {
            var starts = placed[record.destination, default: []].filter { now.timeIntervalSince($0) < 3600 }
            starts.append(now)
            placed[record.destination] = starts
            if policy.maxPerDestinationHour > 0, now.timeIntervalSince(lastCrash) >= 3600 {
                XCTAssertLessThanOrEqual(starts.count, policy.maxPerDestinationHour, "per-hour limit")
            }
        }
        live[id] = LiveCall(
            destination: record.destination, attempt: attempt, endsAt: now.addingTimeInterval(duration), result: result)
    }

    mutating func writeSidecar(_ id: JobID) {
        guard let record = scheduler.jobs[id] else { return XCTFail("finish of an unknown job") }
        XCTAssertTrue(record.state.isFinal)
        XCTAssertNil(live[id], "finished with its call still live")
        sidecars[id, default: 0] += 1
        switch record.state {
        case .done:
            totals.done += 1
            XCTAssertNil(record.lastError)
            XCTAssertEqual(record.pagesSent, record.pagesTotal)
            XCTAssertEqual(record.attempts.last?.outcome, "sent")
        default:
            guard let error = record.lastError else { return XCTFail("failed without a cause") }
            if error.code == .expired {
                totals.expired += 1
                XCTAssertEqual(record.attempts, [], "expired although a cause was known")
            }
            if error.code == .cancelled { totals.cancelled += 1 }
            if record.attempts.count == policy.maxAttempts, error.code.isRetryable { totals.outOfAttempts += 1 }
            if error.code.isRetryable, record.attempts.count < policy.maxAttempts {
                // Given up early: only because the next try would be at or past the kill time.
                let killTime = queuedAt[id]!.addingTimeInterval(policy.killAfter)
                XCTAssertGreaterThanOrEqual(
                    now.addingTimeInterval(policy.retryDelay(after: error.code) + 1e-6), killTime,
                    "gave up on \(error.code) with attempts and time left")
            }
        }
        scheduler.finished(id)
        journal[id] = nil
        XCTAssertNil(scheduler.jobs[id])
    }

    func checkInvariants() {
        XCTAssertLessThanOrEqual(live.count, policy.maxCalls, "too many calls")
        XCTAssertEqual(Set(live.keys), scheduler.inCall)
        var perDestination: [String: Int] = [:]
        for call in live.values { perDestination[call.destination, default: 0] += 1 }
        XCTAssertLessThanOrEqual(perDestination.values.max() ?? 0, policy.maxCallsPerDestination, "destination")
        for (id, record) in scheduler.jobs {
            XCTAssertEqual(journal[id], record, "a change was not persisted")
            XCTAssertLessThanOrEqual(record.attempts.count, policy.maxAttempts)
            XCTAssertLessThanOrEqual(record.pagesSent, record.pagesTotal ?? 0)
        }
        if let wake = scheduler.nextWakeup(after: now) { XCTAssertGreaterThanOrEqual(wake, now) }
    }
}
