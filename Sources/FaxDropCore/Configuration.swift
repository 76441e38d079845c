import Foundation

/// Every setting of FaxDrop (SPEC §6), read from the environment and, optionally, a
/// `KEY=VALUE` file; the real environment wins. The README's configuration table lists
/// each key with its default.
public struct Configuration: Sendable {
    public enum Backend: String, Sendable, CaseIterable {
        case loopback, sip
    }

    public enum LogFormat: String, Sendable, CaseIterable {
        case text, json
    }

    // Seed names.
    public var backend: Backend = .loopback
    public var amiHost = "127.0.0.1"
    public var amiPort = 5038
    public var amiUsername = "faxdrop"
    public var amiPassword = Secret("")
    /// `FAXDROP_ASTERISK_NODES`: the nodes file (issue 14); `nil` for the single node of
    /// the `ASTERISK_AMI_*` settings.
    public var asteriskNodesFile: String?
    /// The nodes that file lists (empty for a single node).
    public var asteriskNodes: [AsteriskNode] = []
    /// `FAXDROP_NODE_GRACE`: how long a node may stay down during a call before the call
    /// counts `interrupted` and is retried on another node.
    public var nodeGrace: Duration = .seconds(60)
    public var localStationID = ""
    public var header = "FaxDrop"
    public var apiKey: Secret? = nil

    // FaxDrop's own.
    public var spool = "./spool"
    public var settle: Duration = .milliseconds(10_000)
    public var rescanInterval: Duration = .seconds(60)
    public var maxCalls = 2
    public var maxCallsPerDestination = 1
    public var maxAttempts = 5
    public var killAfter: Duration = .seconds(3 * 3600)
    public var retryBusy: Duration = .seconds(180)
    public var retryNoAnswer: Duration = .seconds(300)
    public var retryCongestion: Duration = .seconds(120)
    public var retryFax: Duration = .seconds(60)
    public var resumePartial = true
    public var resolution: Resolution = .fine
    public var paper: Paper = .letter
    public var maxBytes: Int64 = 50 << 20
    public var maxPages = 100
    public var renderTimeout: Duration = .seconds(120)
    /// `FAXDROP_STOP_TIMEOUT`: on SIGTERM, how long calls in flight are waited for before
    /// they are handed back to Asterisk (journaled as in flight, reconciled at the next
    /// start). The rest of the shutdown has `Daemon.stopGrace` more; systemd's
    /// `TimeoutStopSec` must exceed the sum.
    public var stopTimeout: Duration = .seconds(150)
    public var renderWorkers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    public var trimBlankTail = false
    public var renderer: String? = nil
    /// Confine each render job with Landlock in a forked child (`FAXDROP_RENDER_SANDBOX`).
    public var renderSandbox = true
    public var loopbackPageSeconds = 0.5
    public var allowPrefixes: [String] = []
    public var denyPrefixes: [String] = Configuration.defaultDenyPrefixes
    public var maxPerDestinationHour = 0
    public var httpHost = "127.0.0.1"
    public var httpPort = 8080
    public var httpEnabled = true
    /// Open HTTP connections at most; one more is answered 503 and closed.
    public var httpMaxConnections = 64
    /// A connection has this long to send a request's head.
    public var httpHeaderTimeout: Duration = .seconds(10)
    /// A connection that sends nothing for this long (a stalled body, an idle keep-alive) is closed.
    public var httpIdleTimeout: Duration = .seconds(60)
    public var logFormat: LogFormat = .text
    public var logLevel = "info"
    public var onResult: String? = nil
    public var webhookURL: String? = nil
    public var webhookSecret: Secret? = nil
    /// PEM file of CAs trusted for an `https://` webhook; `nil`: the system's CA store.
    public var webhookCAFile: String? = nil
    public var asteriskSpool: String? = nil
    public var dialTimeout: Duration = .seconds(45)
    public var amiOutboundContext = "faxout"
    public var amiSendContext = "faxsend"
    /// A cover page in front of every fax unless a folder or job says otherwise (`FAXDROP_COVER`).
    public var cover = false
    /// The sender's name on the cover page (`FAXDROP_COVER_SENDER`).
    public var coverSender: String? = nil
    /// The confidentiality notice at the foot of the cover page (`FAXDROP_COVER_NOTICE`).
    public var coverNotice = CoverPage.defaultNotice
    /// A one-page PDF drawn under the cover page's fields (`FAXDROP_COVER_LETTERHEAD`).
    public var coverLetterhead: String? = nil
    /// `FAXDROP_KEEP_IMAGES_DAYS`: days each sent (or failed) fax image is kept in
    /// `spool/images/` for the console to show; 0 keeps none.
    public var keepImagesDays = 90
    /// `FAXDROP_INCOMING_KEEP_TIFF`: keep each received TIFF beside its PDF (SPEC §10).
    public var incomingKeepTIFF = false
    /// `FAXDROP_INBOUND_ROUTES`: a file mapping DIDs or prefixes to folders (`InboundRoutes`).
    public var inboundRoutes: String? = nil
    /// `FAXDROP_ON_RECEIVE`: a command run for each received fax (as `FAXDROP_ON_RESULT`).
    public var onReceive: String? = nil
    /// `FAXDROP_INCOMING_ORPHAN_MINUTES`: age after which a received file without any result
    /// is landed on its own.
    public var incomingOrphanMinutes = 60

    /// Premium-rate and high-cost ranges refused unless allowed explicitly: the North
    /// American 900 and 976 services, and UK 09 and 087/084 service numbers.
    public static let defaultDenyPrefixes = ["+1900", "+1976", "+449", "+4487", "+4484"]

    public init() {}

    /// Reads settings from `environment`, over the values in `file` (if given).
    public init(environment: [String: String], file: String? = nil) throws {
        var values: [String: String] = [:]
        if let file {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw ConfigurationError(key: "--config", problem: "cannot read \(file)")
            }
            values = try Self.parseEnvFile(text)
        }
        for (key, value) in environment { values[key] = value }
        try self.init(values: values)
        try loadAsteriskNodes()
    }

    /// Reads `FAXDROP_ASTERISK_NODES`, when set, into `asteriskNodes`.
    public mutating func loadAsteriskNodes() throws {
        guard let path = asteriskNodesFile else { return }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(key: AsteriskNodesFile.key, problem: "cannot read \(path)")
        }
        asteriskNodes = try AsteriskNodesFile.parse(text) { try String(contentsOfFile: $0, encoding: .utf8) }
    }

    /// Reads settings from one merged map of keys to values.
    public init(values: [String: String]) throws {
        let r = Reader(values: values)
        backend = try r.enumeration("FAX_BACKEND", default: backend)
        amiHost = r.string("ASTERISK_AMI_HOST", default: amiHost)
        amiPort = try r.int("ASTERISK_AMI_PORT", default: amiPort, range: 1...65535)
        amiUsername = r.string("ASTERISK_AMI_USERNAME", default: amiUsername)
        amiPassword = Secret(r.string("ASTERISK_AMI_PASSWORD", default: ""))
        asteriskNodesFile = r.optional(AsteriskNodesFile.key)
        nodeGrace = try r.duration("FAXDROP_NODE_GRACE", default: nodeGrace, unit: .seconds(1))
        localStationID = r.string("FAX_LOCAL_STATION_ID", default: localStationID)
        header = r.string("FAX_HEADER", default: header)
        apiKey = r.optional("API_KEY").map(Secret.init)

        spool = r.string("FAXDROP_SPOOL", default: spool)
        settle = try r.duration("FAXDROP_SETTLE_MS", default: settle, unit: .milliseconds(1))
        rescanInterval = try r.duration("FAXDROP_RESCAN_SECONDS", default: rescanInterval, unit: .seconds(1))
        maxCalls = try r.int("FAXDROP_MAX_CALLS", default: maxCalls, range: 1...1000)
        maxCallsPerDestination = try r.int("FAXDROP_MAX_CALLS_PER_DESTINATION", default: 1, range: 1...1000)
        maxAttempts = try r.int("FAXDROP_MAX_ATTEMPTS", default: maxAttempts, range: 1...100)
        killAfter = try r.duration("FAXDROP_KILL_AFTER", default: killAfter, unit: .seconds(1))
        retryBusy = try r.duration("FAXDROP_RETRY_BUSY", default: retryBusy, unit: .seconds(1))
        retryNoAnswer = try r.duration("FAXDROP_RETRY_NO_ANSWER", default: retryNoAnswer, unit: .seconds(1))
        retryCongestion = try r.duration("FAXDROP_RETRY_CONGESTION", default: retryCongestion, unit: .seconds(1))
        retryFax = try r.duration("FAXDROP_RETRY_FAX", default: retryFax, unit: .seconds(1))
        resumePartial = try r.bool("FAXDROP_RESUME_PARTIAL", default: resumePartial)
        resolution = try r.enumeration("FAXDROP_RESOLUTION", default: resolution)
        paper = try r.enumeration("FAXDROP_PAPER", default: paper)
        maxBytes = Int64(try r.int("FAXDROP_MAX_BYTES", default: Int(maxBytes), range: 1...Int.max))
        maxPages = try r.int("FAXDROP_MAX_PAGES", default: maxPages, range: 1...100_000)
        renderTimeout = try r.duration("FAXDROP_RENDER_TIMEOUT", default: renderTimeout, unit: .seconds(1))
        stopTimeout = try r.duration("FAXDROP_STOP_TIMEOUT", default: stopTimeout, unit: .seconds(1))
        renderWorkers = try r.int("FAXDROP_RENDER_WORKERS", default: renderWorkers, range: 1...64)
        trimBlankTail = try r.bool("FAXDROP_TRIM_BLANK", default: trimBlankTail)
        incomingKeepTIFF = try r.bool("FAXDROP_INCOMING_KEEP_TIFF", default: incomingKeepTIFF)
        keepImagesDays = try r.int("FAXDROP_KEEP_IMAGES_DAYS", default: keepImagesDays, range: 0...36_500)
        renderer = r.optional("FAXDROP_RENDERER")
        renderSandbox = try r.bool("FAXDROP_RENDER_SANDBOX", default: renderSandbox)
        loopbackPageSeconds = try r.double("FAXDROP_LOOPBACK_PAGE_SECONDS", default: loopbackPageSeconds)
        allowPrefixes = try r.prefixes("FAXDROP_ALLOW_PREFIXES", default: allowPrefixes)
        denyPrefixes = try r.prefixes("FAXDROP_DENY_PREFIXES", default: denyPrefixes)
        maxPerDestinationHour = try r.int("FAXDROP_MAX_PER_DESTINATION_HOUR", default: 0, range: 0...1_000_000)
        httpHost = r.string("FAXDROP_HTTP_HOST", default: httpHost)
        httpPort = try r.int("FAXDROP_HTTP_PORT", default: httpPort, range: 0...65535)
        httpEnabled = try r.bool("FAXDROP_HTTP", default: httpEnabled)
        httpMaxConnections = try r.int("FAXDROP_HTTP_MAX_CONNECTIONS", default: httpMaxConnections, range: 1...100_000)
        httpHeaderTimeout = try r.duration("FAXDROP_HTTP_HEADER_TIMEOUT", default: httpHeaderTimeout, unit: .seconds(1))
        httpIdleTimeout = try r.duration("FAXDROP_HTTP_IDLE_TIMEOUT", default: httpIdleTimeout, unit: .seconds(1))
        logFormat = try r.enumeration("FAXDROP_LOG_FORMAT", default: logFormat)
        logLevel = r.string("FAXDROP_LOG_LEVEL", default: logLevel)
        onResult = r.optional("FAXDROP_ON_RESULT")
        onReceive = r.optional("FAXDROP_ON_RECEIVE")
        incomingOrphanMinutes = try r.int(
            "FAXDROP_INCOMING_ORPHAN_MINUTES", default: incomingOrphanMinutes, range: 1...100_000)
        inboundRoutes = r.optional("FAXDROP_INBOUND_ROUTES")
        webhookURL = r.optional("FAXDROP_WEBHOOK_URL")
        webhookSecret = r.optional("FAXDROP_WEBHOOK_SECRET").map(Secret.init)
        webhookCAFile = r.optional("FAXDROP_WEBHOOK_CA_FILE")
        asteriskSpool = r.optional("FAXDROP_ASTERISK_SPOOL")
        dialTimeout = try r.duration("FAXDROP_DIAL_TIMEOUT", default: dialTimeout, unit: .seconds(1))
        amiOutboundContext = r.string("FAXDROP_AMI_OUTBOUND_CONTEXT", default: amiOutboundContext)
        amiSendContext = r.string("FAXDROP_AMI_SEND_CONTEXT", default: amiSendContext)
        cover = try r.bool("FAXDROP_COVER", default: cover)
        coverSender = r.optional("FAXDROP_COVER_SENDER")
        coverNotice = r.string("FAXDROP_COVER_NOTICE", default: coverNotice)
        coverLetterhead = r.optional("FAXDROP_COVER_LETTERHEAD")
    }

    /// Parses a `.env` style file: `KEY=VALUE` lines, `#` comments, optional `export `,
    /// values optionally in single or double quotes.
    public static func parseEnvFile(_ text: String) throws -> [String: String] {
        var values: [String: String] = [:]
        // "\r\n" is one Character: a file saved on Windows splits on it too.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (index, rawLine) in lines.enumerated() {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let eq = line.firstIndex(of: "=") else {
                throw ConfigurationError(key: "line \(index + 1)", problem: "expected KEY=VALUE")
            }
            let key = String(line[..<eq]).trimmingCharacters(in: .whitespaces)
            var value = String(line[line.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            values[key] = value
        }
        return values
    }
}

/// A setting that must never be printed: its description is `<redacted>`.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself; read it only where it is used.
    public let value: String
    public init(_ value: String) { self.value = value }
    public var isEmpty: Bool { value.isEmpty }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}

public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var key: String
    public var problem: String
    public var description: String { "\(key): \(problem)" }
    public init(key: String, problem: String) {
        self.key = key
        self.problem = problem
    }
}

private struct Reader {
    var values: [String: String]

    func optional(_ key: String) -> String? {
        guard let v = values[key], !v.isEmpty else { return nil }
        return v
    }

    func string(_ key: String, default d: String) -> String { values[key] ?? d }

    func int(_ key: String, default d: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = optional(key) else { return d }
        guard let v = Int(text), range.contains(v) else {
            throw ConfigurationError(key: key, problem: "expected a whole number in \(range), got '\(text)'")
        }
        return v
    }

    func double(_ key: String, default d: Double) throws -> Double {
        guard let text = optional(key) else { return d }
        guard let v = Double(text), v >= 0, v.isFinite else {
            throw ConfigurationError(key: key, problem: "expected a non-negative number, got '\(text)'")
        }
        return v
    }

    func bool(_ key: String, default d: Bool) throws -> Bool {
        guard let text = optional(key)?.lowercased() else { return d }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(key: key, problem: "expected true or false, got '\(text)'")
        }
    }

    func enumeration<E: RawRepresentable & CaseIterable>(_ key: String, default d: E) throws -> E
    where E.RawValue == String {
        guard let text = optional(key) else { return d }
        guard let v = E(rawValue: text.lowercased()) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(key: key, problem: "expected one of \(allowed), got '\(text)'")
        }
        return v
    }

    /// A plain number is in `unit`; a suffix `ms`, `s`, `m` or `h` names its own unit.
    func duration(_ key: String, default d: Duration, unit: Duration) throws -> Duration {
        guard let text = optional(key) else { return d }
        guard let v = DurationText.parse(text, unit: unit) else {
            throw ConfigurationError(
                key: key, problem: "expected a duration such as 90, 500ms, 2m or 3h, got '\(text)'")
        }
        return v
    }

    func prefixes(_ key: String, default d: [String]) throws -> [String] {
        guard let text = values[key] else { return d }
        let items = text.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        for item in items {
            let digits = item.dropFirst()
            guard item.hasPrefix("+"), !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber)
            else {
                throw ConfigurationError(key: key, problem: "expected E.164 prefixes such as +1900, got '\(item)'")
            }
        }
        return items
    }
}

public enum DurationText {
    public static func parse(_ text: String, unit: Duration) -> Duration? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let suffixes: [(String, Duration)] = [
            ("ms", .milliseconds(1)), ("s", .seconds(1)), ("m", .seconds(60)), ("h", .seconds(3600)),
        ]
        for (suffix, u) in suffixes where t.hasSuffix(suffix) {
            guard let n = Double(t.dropLast(suffix.count)), n >= 0, n.isFinite else { return nil }
            return u * n
        }
        guard let n = Double(t), n >= 0, n.isFinite else { return nil }
        return unit * n
    }
}

extension Duration {
    /// Seconds as a floating-point number.
    public var timeInterval: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
