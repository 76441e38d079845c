import FaxDropCore
import FaxDropScheduler
import Foundation
import XCTest

/// The instant every test starts at.
let t0 = Date(timeIntervalSince1970: 1_800_000_000)

/// Job `n`'s id; ids sort by `n`.
func jid(_ n: Int) -> JobID { JobID(milliseconds: 1_700_000_000_000 + UInt64(n), random: (0, 0)) }

/// A freshly claimed job, as the intake hands it over.
func makeRecord(
    _ n: Int, to destination: String = "+15550001000", queuedAt: Date = t0, state: JobState = .queued
) -> JobRecord {
    JobRecord(
        jobID: jid(n), state: state, destination: destination, originalName: "doc\(n).pdf",
        documentFile: "doc\(n).pdf", bytes: 1000, sha256: "", format: .pdf,
        fax: Sidecar.Fax(resolution: .fine, paper: .a4, header: "", localStationID: ""), queuedAt: queuedAt)
}

/// A call the scheduler asked for.
struct Call: Equatable, CustomStringConvertible {
    var id: JobID
    var attempt: Int
    var firstPage: Int
    var description: String { "call(\(id), attempt \(attempt), page \(firstPage))" }
}

extension Array where Element == SchedulerAction {
    var calls: [Call] {
        compactMap {
            if case .call(let id, let attempt, let firstPage) = $0 {
                return Call(id: id, attempt: attempt, firstPage: firstPage)
            }
            return nil
        }
    }
    var finishes: [JobID] { compactMap { if case .finish(let id) = $0 { return id } else { return nil } } }
    var renders: [JobID] { compactMap { if case .render(let id) = $0 { return id } else { return nil } } }
    var reconciles: [JobID] { compactMap { if case .reconcile(let id) = $0 { return id } else { return nil } } }
    var hangUps: [JobID] { compactMap { if case .hangUp(let id) = $0 { return id } else { return nil } } }
}

func failed(_ code: ErrorCode, pages: Int = 0) -> CallResult { CallResult(status: .failed(code), pagesSent: pages) }
func sent(pages: Int) -> CallResult { CallResult(status: .sent, pagesSent: pages) }
let unavailable = CallResult(status: .unavailable, pagesSent: 0)

/// A scheduler with an injected clock: `now` moves only when a test moves it.
struct Harness {
    var scheduler: Scheduler
    var now = t0

    init(_ policy: SchedulerPolicy = SchedulerPolicy()) {
        scheduler = Scheduler(policy: policy)
    }

    func job(_ n: Int) -> JobRecord? { scheduler.jobs[jid(n)] }

    /// Admits job `n` (queued now unless told) and renders it to `pages` pages.
    @discardableResult
    mutating func queue(
        _ n: Int, to destination: String = "+15550001000", pages: Int = 5, queuedAt: Date? = nil
    ) -> [SchedulerAction] {
        let admitted = scheduler.admit(makeRecord(n, to: destination, queuedAt: queuedAt ?? now), now: now)
        guard admitted.renders == [jid(n)] else { return admitted }
        return admitted
            + scheduler.renderSucceeded(
                jid(n), pages: pages, pageBytes: Array(repeating: 1000, count: pages), format: .pdf, now: now)
    }

    @discardableResult
    mutating func end(_ n: Int, _ result: CallResult) -> [SchedulerAction] {
        scheduler.callEnded(jid(n), result, now: now)
    }

    /// Ends job `n`'s call with `result`, then moves the clock on by `seconds` and ticks:
    /// the calls that start by then (its retry, when it fell due).
    mutating func retry(_ n: Int, after result: CallResult, waiting seconds: TimeInterval) -> [Call] {
        end(n, result)
        return advance(seconds).calls
    }

    /// Moves the clock on by `seconds` and ticks.
    @discardableResult
    mutating func advance(_ seconds: TimeInterval) -> [SchedulerAction] {
        now = now.addingTimeInterval(seconds)
        return scheduler.tick(now: now)
    }

    /// Moves the clock to `time` and ticks.
    @discardableResult
    mutating func advance(to time: Date) -> [SchedulerAction] {
        now = time
        return scheduler.tick(now: now)
    }

    /// Ticks only at the scheduler's own wakeups until `limit` or until it has none,
    /// gathering the actions.
    mutating func runWakeups(until limit: Date) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        var previous: Date?
        while let wake = scheduler.nextWakeup(after: now), wake <= limit {
            XCTAssertGreaterThanOrEqual(wake, now, "a wakeup in the past")
            let step = advance(to: wake)
            if step.isEmpty && wake == previous {
                XCTFail("the scheduler asks to be woken at \(wake) again with nothing to do")
                break
            }
            previous = wake
            actions += step
        }
        return actions
    }
}

func call(_ n: Int, attempt: Int = 1, firstPage: Int = 1) -> Call {
    Call(id: jid(n), attempt: attempt, firstPage: firstPage)
}
