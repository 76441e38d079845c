import Foundation

/// The simulator's own log of the calls it carried: a call begins when its Originate is
/// accepted and ends when its channels go away — hung up, finished, or lost with the
/// simulated Asterisk (`stop()`). The cluster test reads it to prove no job ever had two
/// calls at once (issue 14).
public struct CallLogEntry: Sendable, Equatable {
    /// `<job-id>-<attempt>` (the call's `FAXDROP_CALL`).
    public var key: String
    public var number: String
    public var startedAt: Date
    public var endedAt: Date?

    /// The job id: the key without its attempt number.
    public var job: String { key.split(separator: "-").dropLast().joined(separator: "-") }
}

extension AsteriskSimulator {
    func noteCallChanges(from old: [String: Call]) {
        guard old.count != calls.count || old.keys.contains(where: { calls[$0] == nil }) else { return }
        let now = Date()
        for (key, call) in calls where old[key] == nil {
            openCallLogEntries[key] = callLog.count
            callLog.append(CallLogEntry(key: key, number: call.number, startedAt: now))
        }
        for key in old.keys where calls[key] == nil {
            if let index = openCallLogEntries.removeValue(forKey: key) { callLog[index].endedAt = now }
        }
        if let path = options.callLogPath { appendCallLog(path, changes: old, now: now) }
    }

    /// `--call-log FILE`: one line per event, `<ISO time> originate|hangup <key> <number>`.
    private func appendCallLog(_ path: String, changes old: [String: Call], now: Date) {
        let time = ISO8601DateFormatter.string(
            from: now, timeZone: .gmt, formatOptions: [.withInternetDateTime, .withFractionalSeconds])
        var lines = ""
        for (key, call) in calls where old[key] == nil { lines += "\(time) originate \(key) \(call.number)\n" }
        for (key, call) in old where calls[key] == nil { lines += "\(time) hangup \(key) \(call.number)\n" }
        guard !lines.isEmpty, let data = lines.data(using: .utf8) else { return }
        if let handle = FileHandle(forWritingAtPath: path) {
            handle.seekToEndOfFile()
            handle.write(data)
            try? handle.close()
        } else {
            FileManager.default.createFile(atPath: path, contents: data)
        }
    }
}
