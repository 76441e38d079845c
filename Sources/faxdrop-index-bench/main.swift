import FaxDropCore
import FaxDropIndex
import Foundation
import Logging

// The job index benchmark (issue 11), a command that prints figures:
//   faxdrop-index-bench generate SPOOL [COUNT]   writes COUNT (100000) realistic sidecars
//   faxdrop-index-bench measure SPOOL [RUNS]     rebuild time, query p50/p95 over RUNS (50), RSS
// scripts/index-bench.sh runs both and times `faxdrop reindex`, `faxdrop status` and the daemon.

func milliseconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

/// Process CPU time of `body`, in ms: what the work costs whatever else the machine runs.
func cpuMilliseconds(_ body: () throws -> Void) rethrows -> Double {
    var a = timespec()
    var b = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a)
    try body()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b)
    return Double(b.tv_sec - a.tv_sec) * 1e3 + Double(b.tv_nsec - a.tv_nsec) / 1e6
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

func residentKiB() -> Int {
    let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = text.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
}

var logger = Logger(label: "bench")
logger.logLevel = .warning
let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    print("usage: faxdrop-index-bench generate SPOOL [COUNT] | measure SPOOL [RUNS]")
    exit(2)
}
let root = arguments[2]
switch arguments[1] {
case "generate":
    let count = arguments.count > 3 ? Int(arguments[3]) ?? 100_000 : 100_000
    var made = (sent: 0, failed: 0)
    let ms = try milliseconds { made = try Generator(root: root, count: count).run() }
    print(
        String(format: "generated %d sidecars (%d sent, %d failed) in %.1f s", count, made.sent, made.failed, ms / 1000)
    )
case "measure":
    let runs = arguments.count > 3 ? Int(arguments[3]) ?? 50 : 50
    let before = residentKiB()
    var index: JobIndex!
    let openMs = try milliseconds { index = try JobIndex.open(spool: root, logger: logger) }
    print(String(format: "open (catch-up)               %8.1f ms", openMs))
    var report = JobIndex.SyncReport()
    var rebuildCPU = 0.0
    let rebuildMs = try milliseconds { rebuildCPU = try cpuMilliseconds { report = try index.rebuild() } }
    print(
        String(
            format: "rebuild (%d sent, %d failed)  %8.1f ms wall, %.1f ms CPU (all threads)", report.sent,
            report.failed, rebuildMs, rebuildCPU))
    let reopenMs = try milliseconds { index = try JobIndex.open(spool: root, logger: logger) }
    print(String(format: "open when in step             %8.1f ms", reopenMs))
    let sample = try index.search(JobIndexQuery(page: 7)).rows
    let number = String(sample.first?.destination.dropFirst(5) ?? "1000137")
    let queries: [(String, JobIndexQuery)] = [
        ("history first page", JobIndexQuery()),
        ("history page 40", JobIndexQuery(page: 40)),
        ("search number \(number)", JobIndexQuery(number: number)),
        ("search number 555", JobIndexQuery(number: "555")),
        ("search file name 'referral - 12'", JobIndexQuery(text: "referral - 12")),
        ("search file name 'scan'", JobIndexQuery(text: "scan")),
        ("status failed + code busy", JobIndexQuery(states: ["failed"], errorCode: "busy")),
        ("failed, last 30 days", JobIndexQuery(states: ["failed"], from: Date().addingTimeInterval(-30 * 86_400))),
    ]
    print("query (\(runs) runs)                     wall p50  wall p95   cpu p95   total rows")
    for (name, query) in queries {
        var times: [Double] = []
        var cpu: [Double] = []
        var total = 0
        for _ in 0..<runs {
            var c = 0.0
            times.append(try milliseconds { c = try cpuMilliseconds { total = try index.search(query).total } })
            cpu.append(c)
        }
        print(
            name.padding(toLength: 38, withPad: " ", startingAt: 0)
                + String(
                    format: " %8.2f  %8.2f  %8.2f   %d", percentile(times, 0.5), percentile(times, 0.95),
                    percentile(cpu, 0.95), total))
    }
    var totals: [Double] = []
    for _ in 0..<runs { totals.append(try milliseconds { _ = try index.totals() }) }
    print(
        "totals by state".padding(toLength: 38, withPad: " ", startingAt: 0)
            + String(format: " %8.2f  %8.2f", percentile(totals, 0.5), percentile(totals, 0.95)))
    print("RSS of this process: \(before) KiB before opening, \(residentKiB()) KiB with the index open and queried")
default:
    print("usage: faxdrop-index-bench generate SPOOL [COUNT] | measure SPOOL [RUNS]")
    exit(2)
}
