import FaxDropCore
import FaxDropScheduler
import FaxDropWatcher
import Foundation

/// The engine's loop: no timer ticks. It sleeps until the scheduler's `nextWakeup` (a
/// retry falling due, a kill time, a per-hour window opening) or until an event makes that
/// time earlier, or an operator request arrives.
extension Engine {
    func run() async {
        var lastTick = ContinuousClock.now
        while !stopping {
            let now = clock()
            let next = scheduler.nextWakeup(after: now)
            // Never more than 20 turns a second, even if a due job could not be started.
            let deadline = next.map { date in
                max(lastTick + .milliseconds(50), .now + .milliseconds(Int64(date.timeIntervalSince(now) * 1000)))
            }
            sleepingUntil = .some(next)
            await wakeup.wait(until: deadline)
            sleepingUntil = nil
            guard !stopping else { return }
            if controlPending {
                controlPending = false
                await handleControlRequests()
            }
            lastTick = .now
            await apply(scheduler.tick(now: clock()))
        }
    }

    /// An event changed the jobs: if the loop sleeps past the new next wakeup, wake it.
    func noteChange() {
        guard case .some(let until) = sleepingUntil, let next = scheduler.nextWakeup(after: clock()) else { return }
        if until.map({ next < $0 }) ?? true { wakeup.ring() }
    }

    /// The control doorbell rang: the loop reads the requests.
    func controlRequested() {
        controlPending = true
        wakeup.ring()
    }
}
