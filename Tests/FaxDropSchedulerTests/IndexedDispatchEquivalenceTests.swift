import FaxDropCore
import FaxDropScheduler
import FaxDropTestSupport
import Foundation
import XCTest

/// The indexed scheduler against the old one that sorted every waiting job on each dispatch
/// (`ReferenceScheduler`: the same state machine with the old dispatch, tick and wakeup):
/// random event sequences — arrivals with priorities, `send_at` and per-job attempt limits,
/// renders, calls with every outcome, the backend unavailable, cancels, late duplicate
/// results, recovery, time jumps — must produce the same actions in the same order, the same
/// jobs and the same wakeups at every step.
final class IndexedDispatchEquivalenceTests: XCTestCase {
    func testRandomEventSequencesMatchTheSortingScheduler() {
        var steps = 0
        var calls = 0
        var fails = 0
        for seed in UInt64(1)...60 {
            var rng = SplitMix64(state: seed)
            let policy = SchedulerPolicy(
                maxCalls: Int.random(in: 1...5, using: &rng),
                maxCallsPerDestination: Int.random(in: 1...2, using: &rng),
                maxAttempts: Int.random(in: 2...5, using: &rng),
                killAfter: [600, 3600, 3 * 3600].randomElement(using: &rng)!,
                retryUnavailable: [5, 60].randomElement(using: &rng)!,
                resumePartial: Bool.random(using: &rng),
                maxPerDestinationHour: [0, 0, 2, 3].randomElement(using: &rng)!,
                denyPrefixes: ["+1900"])
            var run = EquivalenceRun(policy: policy, rng: rng)
            for _ in 0..<700 {
                run.step()
                if let problem = run.mismatch {
                    return XCTFail("seed \(seed), step \(run.steps): \(problem)")
                }
            }
            steps += run.steps
            calls += run.calls
            fails += run.fails
        }
        print("equivalence: \(steps) steps, \(calls) calls, \(fails) jobs failed")
        XCTAssertGreaterThan(calls, 3000, "the sequences really dialled")
        XCTAssertGreaterThan(fails, 500, "the sequences really failed jobs")
    }
}

struct EquivalenceRun {
    var indexed: Scheduler
    var reference: ReferenceScheduler
    var rng: SplitMix64
    var now = t0
    var nextJob = 1
    var steps = 0
    var calls = 0
    var fails = 0
    var mismatch: String?
    static let destinations = (0..<5).map { "+1555000300\($0)" } + ["+19005550100", "12345"]

    init(policy: SchedulerPolicy, rng: SplitMix64) {
        indexed = Scheduler(policy: policy)
        reference = ReferenceScheduler(policy: policy)
        self.rng = rng
    }

    mutating func record() -> JobRecord {
        var record = makeRecord(
            nextJob, to: Self.destinations.randomElement(using: &rng)!, queuedAt: now)
        nextJob += 1
        let roll = Int.random(in: 0..<10, using: &rng)
        if roll < 3 {
            record.options = JobOptions(
                priority: JobPriority.allCases.randomElement(using: &rng),
                maxAttempts: roll == 0 ? Int.random(in: 1...3, using: &rng) : nil)
        }
        if roll == 9 { record.sendAt = now.addingTimeInterval(Double.random(in: -100...900, using: &rng)) }
        return record
    }

    /// One random event, applied to both.
    mutating func step() {
        steps += 1
        let live = reference.scheduler.inCall.sorted()
        let jobs = reference.scheduler.jobs.keys.sorted()
        let converting = jobs.filter { reference.scheduler.jobs[$0]?.state == .converting }
        let finals = jobs.filter { reference.scheduler.jobs[$0]?.state.isFinal == true }
        switch Int.random(in: 0..<100, using: &rng) {
        case 0..<22:
            let record = record()
            apply("admit") {
                $0.admit(record, now: $1)
            }
        case 22..<24:
            // Recovery: several journals at once, some with a call in flight.
            var batch: [JobRecord] = []
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                var record = record()
                if Bool.random(using: &rng) {
                    record.state = .waiting
                    record.pagesTotal = 3
                } else if Bool.random(using: &rng) {
                    record.state = .dialing
                    record.pagesTotal = 3
                    record.attempts = [AttemptRecord(number: 1, startedAt: now)]
                }
                batch.append(record)
            }
            apply("admit batch") {
                $0.admit(batch, now: $1)
            }
        case 24..<40 where !converting.isEmpty:
            let id = converting.randomElement(using: &rng)!
            if Int.random(in: 0..<10, using: &rng) == 0 {
                apply("render failed") {
                    $0.renderFailed(id, FaxError(.corruptDocument, "bad"), format: nil, now: $1)
                }
            } else {
                let pages = Int.random(in: 1...6, using: &rng)
                apply("render") {
                    $0.renderSucceeded(id, pages: pages, pageBytes: [], format: .pdf, now: $1)
                }
            }
        case 40..<65 where !live.isEmpty:
            let id = live.randomElement(using: &rng)!
            let result: CallResult
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<3: result = sent(pages: 6)
            case 3: result = unavailable
            case 4: result = failed(.faxTransferFailed, pages: Int.random(in: 0...3, using: &rng))
            case 5: result = failed(.unallocatedNumber)
            default:
                result = failed([.busy, .noAnswer, .congestion, .channelUnavailable].randomElement(using: &rng)!)
            }
            if Int.random(in: 0..<8, using: &rng) == 0 {
                apply("call lost") {
                    $0.callLost(id, now: $1)
                }
            } else {
                apply("call ended") {
                    $0.callEnded(id, result, now: $1)
                }
            }
        case 65..<68 where !live.isEmpty:
            let id = live.randomElement(using: &rng)!
            apply("answered") { s, _ in
                s.callAnswered(id)
            }
        case 68..<72 where !jobs.isEmpty:
            let id = jobs.randomElement(using: &rng)!
            apply("cancel") {
                $0.cancel(id, now: $1)
            }
        case 72..<74:
            // A late duplicate result for an attempt that is not the live one.
            guard let id = jobs.randomElement(using: &rng) else { return }
            apply("late result") {
                $0.callEnded(id, attempt: 99, sent(pages: 1), now: $1)
            }
        case 74..<84 where !finals.isEmpty:
            for id in finals {
                indexed.finished(id)
                reference.scheduler.finished(id)
            }
            compare("finished", [], [])
        default:
            // Time passes: to the next wakeup, or a random stretch.
            if Bool.random(using: &rng), let wake = reference.nextWakeup(after: now) {
                now = wake
            } else {
                now = now.addingTimeInterval(Double.random(in: 1...900, using: &rng))
            }
            let got = indexed.tick(now: now)
            let expected = reference.tick(now: now)
            compare("tick", got, expected)
        }
    }

    /// Applies `event` to both: the indexed scheduler, and the state machine that sorts.
    mutating func apply(_ name: String, _ event: (inout Scheduler, Date) -> [SchedulerAction]) {
        let got = event(&indexed, now)
        let expected = event(&reference.scheduler, now)
        compare(name, got, expected)
    }

    mutating func compare(_ name: String, _ got: [SchedulerAction], _ expected: [SchedulerAction]) {
        calls += expected.calls.count
        fails += expected.finishes.filter { reference.scheduler.jobs[$0]?.state == .failed }.count
        if got != expected {
            mismatch = "\(name): actions \(got) instead of \(expected)"
        } else if indexed.jobs != reference.scheduler.jobs {
            mismatch = "\(name): the jobs differ"
        } else if indexed.inCall != reference.scheduler.inCall {
            mismatch = "\(name): live calls \(indexed.inCall) instead of \(reference.scheduler.inCall)"
        } else if indexed.nextWakeup(after: now) != reference.nextWakeup(after: now) {
            mismatch =
                "\(name): wakeup \(String(describing: indexed.nextWakeup(after: now))) "
                + "instead of \(String(describing: reference.nextWakeup(after: now)))"
        }
    }
}
