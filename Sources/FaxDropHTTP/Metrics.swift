import FaxDropCore
import FaxDropDaemon
import FaxDropIndex
import FaxDropNotify
import Foundation
import Synchronization

/// Counters fed by the engine (an `EngineObserver`) and rendered as Prometheus text
/// exposition 0.0.4 for `GET /metrics`. Counters start at zero with the process, as
/// Prometheus expects; gauges are read from the engine when scraped.
public final class Metrics: EngineObserver, ReceiveObserver, NotificationCounters, Sendable {
    /// Upper bounds of the render time histogram, in seconds.
    public static let renderBuckets: [Double] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]

    struct Counts {
        var finished: [Key: Int] = [:]
        var attempts: [String: Int] = [:]
        var pagesSent = 0
        var renderBucketCounts = [Int](repeating: 0, count: Metrics.renderBuckets.count)
        var renderCount = 0
        var renderSum = 0.0
        var renderFailures: [String: Int] = [:]
        var webhook: [String: Int] = [:]
        var hooks: [String: Int] = [:]
        var received: [String: Int] = [:]
        var pagesReceived = 0
    }

    struct Key: Hashable {
        var status: String
        var code: String
    }

    private let counts = Mutex(Counts())

    public init() {}

    public func renderEnded(job: JobID, seconds: Double, error: ErrorCode?) {
        counts.withLock { c in
            c.renderCount += 1
            c.renderSum += seconds
            for (i, bound) in Self.renderBuckets.enumerated() where seconds <= bound { c.renderBucketCounts[i] += 1 }
            if let error { c.renderFailures[error.rawValue, default: 0] += 1 }
        }
    }

    public func attemptEnded(job: JobID, outcome: String, pagesSent: Int) {
        counts.withLock { c in
            c.attempts[outcome, default: 0] += 1
            c.pagesSent += pagesSent
        }
    }

    public func jobFinished(_ sidecar: Sidecar, sidecarPath: String) {
        let key = Key(status: sidecar.status.rawValue, code: sidecar.error?.code.rawValue ?? "")
        counts.withLock { $0.finished[key, default: 0] += 1 }
    }

    public func faxReceived(_ landed: ReceiveLander.Landed) {
        counts.withLock { c in
            c.received[landed.sidecar.status.rawValue, default: 0] += 1
            c.pagesReceived += landed.sidecar.pages.received
        }
    }

    /// A webhook delivery ended: `delivered`, `retried` or `abandoned`.
    public func webhook(_ result: String) {
        counts.withLock { $0.webhook[result, default: 0] += 1 }
    }

    /// A result hook ended: `ok`, `failed` or `timeout`.
    public func hook(_ result: String) {
        counts.withLock { $0.hooks[result, default: 0] += 1 }
    }

    /// What the scrape reads from the running daemon.
    @PublicInit
    public struct Live: Sendable {
        public var jobs: [JobRecord]
        public var callsInProgress: Int
        public var dropZoneFiles: Int
        public var amiConnected: Bool?
        /// The Asterisk nodes of `FAXDROP_ASTERISK_NODES` (empty with one node).
        public var nodes: [NodeReport] = []
        /// Sidecars by status and error code, from the job index; `nil` when it is not open.
        public var ended: [JobIndex.EndedCount]?
    }

    /// The text exposition.
    public func exposition(_ live: Live) -> String {
        let c = counts.withLock { $0 }
        var out = PrometheusText()
        out.family("faxdrop_build_info", .gauge, "FaxDrop's version.")
        out.sample("faxdrop_build_info", ["version": FaxDropVersion.string], 1)

        out.family(
            "faxdrop_jobs_finished_total", .counter, "Jobs that ended, by status and error code (empty when sent).")
        for (key, n) in c.finished.sorted(by: { ($0.key.status, $0.key.code) < ($1.key.status, $1.key.code) }) {
            out.sample("faxdrop_jobs_finished_total", ["status": key.status, "code": key.code], Double(n))
        }

        if let ended = live.ended {
            out.family(
                "faxdrop_jobs_ended", .gauge,
                "Sidecars in done/ and failed/ by status and error code (empty when sent), from the job index.")
            for e in ended { out.sample("faxdrop_jobs_ended", ["status": e.status, "code": e.code], Double(e.count)) }
        }

        out.family("faxdrop_jobs", .gauge, "Active jobs by state (the queue).")
        var byState: [JobState: Int] = [:]
        for job in live.jobs { byState[job.state, default: 0] += 1 }
        for state in JobState.allCases where !state.isFinal {
            out.sample("faxdrop_jobs", ["state": state.rawValue], Double(byState[state] ?? 0))
        }
        out.singleFamily(
            "faxdrop_drop_zone_files", .gauge, "Entries in outgoing/ not yet claimed.",
            Double(live.dropZoneFiles))

        out.singleFamily(
            "faxdrop_calls_in_progress", .gauge, "Calls being dialled or sent now.",
            Double(live.callsInProgress))

        nodeSamples(live.nodes, into: &out)

        out.countsFamily(
            "faxdrop_call_attempts_total", .counter, "Call attempts that ended, by outcome (sent or an error code).",
            by: "outcome", c.attempts)

        out.singleFamily("faxdrop_pages_sent_total", .counter, "Pages confirmed by the far end.", Double(c.pagesSent))

        out.family("faxdrop_render_seconds", .histogram, "Time to render one document in a worker.")
        for (i, bound) in Self.renderBuckets.enumerated() {
            out.sample(
                "faxdrop_render_seconds_bucket", ["le": PrometheusText.number(bound)], Double(c.renderBucketCounts[i]))
        }
        out.sample("faxdrop_render_seconds_bucket", ["le": "+Inf"], Double(c.renderCount))
        out.sample("faxdrop_render_seconds_sum", [:], c.renderSum)
        out.sample("faxdrop_render_seconds_count", [:], Double(c.renderCount))

        out.countsFamily(
            "faxdrop_render_failures_total", .counter, "Renders that failed, by error code.",
            by: "code", c.renderFailures)

        if let connected = live.amiConnected {
            out.family("faxdrop_ami_connected", .gauge, "1 while the Asterisk Manager Interface session is logged in.")
            out.sample("faxdrop_ami_connected", [:], connected ? 1 : 0)
        }

        out.family("faxdrop_received_total", .counter, "Received faxes landed, by status (received, partial, failed).")
        for status in ["received", "partial", "failed"] {
            out.sample("faxdrop_received_total", ["status": status], Double(c.received[status] ?? 0))
        }
        out.singleFamily(
            "faxdrop_pages_received_total", .counter, "Pages of received faxes kept in their PDFs.",
            Double(c.pagesReceived))

        out.countsFamily(
            "faxdrop_webhook_deliveries_total", .counter, "Webhook POSTs by result (delivered, retried, abandoned).",
            by: "result", c.webhook)
        out.countsFamily(
            "faxdrop_result_hooks_total", .counter, "FAXDROP_ON_RESULT runs by result (ok, failed, timeout).",
            by: "result", c.hooks)
        return out.text
    }
}

/// Builds Prometheus text format 0.0.4: `# HELP`, `# TYPE`, then samples with escaped labels.
struct PrometheusText {
    enum Kind: String {
        case counter, gauge, histogram
    }

    private(set) var text = ""

    mutating func family(_ name: String, _ kind: Kind, _ help: String) {
        text +=
            "# HELP \(name) \(help.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n"))\n"
        text += "# TYPE \(name) \(kind.rawValue)\n"
    }

    mutating func sample(_ name: String, _ labels: [String: String], _ value: Double) {
        text += name
        if !labels.isEmpty {
            let pairs = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(Self.escape($0.value))\"" }
            text += "{" + pairs.joined(separator: ",") + "}"
        }
        text += " " + Self.number(value) + "\n"
    }

    /// A family of one sample without labels.
    mutating func singleFamily(_ name: String, _ kind: Kind, _ help: String, _ value: Double) {
        family(name, kind, help)
        sample(name, [:], value)
    }

    /// A family of counts by one label's value, in the order of the values.
    mutating func countsFamily(_ name: String, _ kind: Kind, _ help: String, by label: String, _ counts: [String: Int])
    {
        family(name, kind, help)
        for (value, n) in counts.sorted(by: { $0.key < $1.key }) { sample(name, [label: value], Double(n)) }
    }

    static func escape(_ value: String) -> String {
        var out = ""
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    static func number(_ value: Double) -> String {
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value.isNaN { return "NaN" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
