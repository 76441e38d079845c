import Foundation

/// When calls to each destination started, for the rolling per-hour limit
/// (`FAXDROP_MAX_PER_DESTINATION_HOUR`). Only calls that were really placed are kept.
struct DestinationCallLog: Sendable {
    /// The length of the rolling window.
    let window: TimeInterval
    /// Start times by destination, oldest first.
    private var starts: [String: [Date]] = [:]

    init(window: TimeInterval) {
        self.window = window
    }

    /// Notes a call to `destination` that started at `time`.
    mutating func record(_ destination: String, at time: Date) {
        var times = starts[destination] ?? []
        let index = times.firstIndex { $0 > time } ?? times.endIndex
        times.insert(time, at: index)
        starts[destination] = times
    }

    /// Forgets one call that was never placed after all.
    mutating func forget(_ destination: String, at time: Date) {
        guard var times = starts[destination], let index = times.firstIndex(of: time) else { return }
        times.remove(at: index)
        starts[destination] = times.isEmpty ? nil : times
    }

    /// Calls to `destination` that started within the window ending at `now`.
    func count(_ destination: String, now: Date) -> Int {
        inWindow(destination, now: now).count
    }

    /// When the window will hold fewer than `limit` calls to `destination` again; `nil`
    /// when it already does.
    func nextOpening(_ destination: String, limit: Int, now: Date) -> Date? {
        let times = inWindow(destination, now: now)
        guard limit > 0, times.count >= limit else { return nil }
        return times[times.endIndex - limit].addingTimeInterval(window)
    }

    /// Drops the calls that left the window, so the log stays small over weeks of running.
    mutating func prune(now: Date) {
        for (destination, times) in starts {
            let kept = times.filter { now.timeIntervalSince($0) < window }
            starts[destination] = kept.isEmpty ? nil : kept
        }
    }

    private func inWindow(_ destination: String, now: Date) -> ArraySlice<Date> {
        guard let times = starts[destination] else { return [] }
        let first = times.firstIndex { now.timeIntervalSince($0) < window } ?? times.endIndex
        return times[first...]
    }
}
