// The scheduler benchmark of issue 14: events per second with a deep queue.
//
//   swift run -c release faxdrop-scheduler-bench [queued] [events] [destinations] [nodes]
//
// Fills the queue with `queued` rendered jobs (default 100,000) over `destinations` numbers
// (default 1,000), then drives `events` events (default 200,000): a live call ends (sent,
// busy or no answer, which starts the next call), a new job arrives and renders, the clock
// ticks. After every event it asks `nextWakeup`, as the daemon's engine does. Prints the
// events per second. With `nodes` > 0 the calls are spread over that many nodes of 60
// channels by prefix routes (node i serves +1555i; the numbers cycle over them).
import FaxDropCore
import FaxDropScheduler
import Foundation

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let queued = arguments.count > 0 ? arguments[0] : 100_000
let events = arguments.count > 1 ? arguments[1] : 200_000
let destinationCount = arguments.count > 2 ? arguments[2] : 1_000
let nodeCount = arguments.count > 3 ? arguments[3] : 0

struct Bench {
    var rng = SystemRandomNumberGenerator()
    let destinations: [String]
    var scheduler: Scheduler
    var now = Date(timeIntervalSince1970: 1_800_000_000)
    var next: UInt64 = 0
    var live: [JobID] = []

    init(destinations: Int, nodes: Int) {
        // With nodes, node i serves +1555i (node 0 also the default route): the numbers are
        // spread over the nodes' routes.
        self.destinations = (0..<destinations).map { "+1555\($0 % max(nodes, 1))\(String(format: "%06d", $0))" }
        var policy = SchedulerPolicy(maxCalls: 240, maxCallsPerDestination: 1, killAfter: 30 * 86_400)
        if nodes > 0 {
            policy.maxCalls = 60 * nodes
            policy.nodes = (0..<nodes).map {
                NodePolicy(name: "n\($0)", maxChannels: 60, prefixes: $0 == 0 ? ["*", "+15550"] : ["+1555\($0)"])
            }
        }
        scheduler = Scheduler(policy: policy)
    }

    mutating func record() -> JobRecord {
        next += 1
        return JobRecord(
            jobID: JobID(milliseconds: 1_700_000_000_000 + next, random: (0, 0)), state: .queued,
            destination: destinations.randomElement(using: &rng)!, originalName: "doc.pdf", documentFile: "doc.pdf",
            bytes: 1000, sha256: "", format: .pdf,
            fax: Sidecar.Fax(resolution: .fine, paper: .a4, header: "", localStationID: ""), queuedAt: now)
    }

    mutating func perform(_ actions: [SchedulerAction]) {
        for action in actions {
            switch action {
            case .call(let id, _, _): live.append(id)
            case .finish(let id): scheduler.finished(id)
            default: break
            }
        }
    }

    mutating func arrive() {
        let r = record()
        perform(scheduler.admit(r, now: now))
        perform(scheduler.renderSucceeded(r.jobID, pages: 3, pageBytes: [], format: .pdf, now: now))
    }

    /// One event; returns how many scheduler events it was.
    mutating func step() -> Int {
        now = now.addingTimeInterval(0.01)
        defer { _ = scheduler.nextWakeup(after: now) }
        switch Int.random(in: 0..<10, using: &rng) {
        case 0..<6 where !live.isEmpty:
            let index = Int.random(in: 0..<live.count, using: &rng)
            live.swapAt(index, live.count - 1)
            let id = live.removeLast()
            let result: CallResult =
                Bool.random(using: &rng)
                ? CallResult(status: .sent, pagesSent: 3) : CallResult(status: .failed(.busy), pagesSent: 0)
            perform(scheduler.callEnded(id, result, now: now))
            return 1
        case 6..<9:
            arrive()
            return 2
        default:
            perform(scheduler.tick(now: now))
            return 1
        }
    }
}

var bench = Bench(destinations: destinationCount, nodes: nodeCount)
let fillStarted = Date()
for _ in 0..<queued { bench.arrive() }
print(
    "filled \(bench.scheduler.jobs.count) jobs (\(bench.live.count) calls live) in "
        + String(format: "%.2f s", Date().timeIntervalSince(fillStarted)))
/// CPU seconds this process used: on a shared machine the wall clock also counts the time
/// other processes held the cores.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

let clock = ContinuousClock()
var done = 0
let cpuBefore = cpuSeconds()
let elapsed = clock.measure {
    while done < events { done += bench.step() }
}
let cpu = cpuSeconds() - cpuBefore
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print("queued at the end: \(bench.scheduler.jobs.count), calls live: \(bench.scheduler.callsInProgress)")
print(
    String(
        format:
            "scheduler: %d events in %.2f s wall = %.0f events/s; %.2f s CPU = %.0f events/s per CPU second; %d queued over %d destinations, %d nodes",
        done, seconds, Double(done) / seconds, cpu, Double(done) / cpu, queued, destinationCount, nodeCount))
