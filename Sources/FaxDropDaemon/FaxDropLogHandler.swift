import FaxDropCore
import Foundation
import Logging
import Synchronization

/// Log lines on stderr: readable text by default, JSON lines with `FAXDROP_LOG_FORMAT=json`.
/// Every configured secret is scrubbed from the message and metadata before a line is
/// written, as a last guard: no code path is meant to log one in the first place.
public struct FaxDropLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let format: Configuration.LogFormat
    private let secrets: [String]
    private let sink: LogSink

    public init(label: String, format: Configuration.LogFormat, level: Logger.Level, secrets: [String], sink: LogSink = .standardError) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.secrets = secrets.filter { $0.count >= 8 }
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let time = Timestamp.format(Date())
        let line: String
        switch format {
        case .text:
            let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quoteIfNeeded("\($0.value)"))" }
            line = ([time, event.level.rawValue.uppercased(), scrub("\(event.message)")] + fields.map(scrub)).joined(separator: " ")
        case .json:
            var object: [String: String] = ["ts": time, "level": event.level.rawValue, "msg": scrub("\(event.message)"), "logger": label]
            for (key, value) in merged { object[key] = scrub("\(value)") }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        }
        sink.write(line + "\n")
    }

    private func scrub(_ text: String) -> String {
        var out = text
        for secret in secrets where out.contains(secret) {
            out = out.replacingOccurrences(of: secret, with: "<redacted>")
        }
        return out
    }

    /// A value with spaces, quotes, backslashes or any control or invisible character is
    /// written quoted and escaped, so no value (a folder label, a file name) can forge a
    /// line, a field or a terminal escape.
    static func quoteIfNeeded(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.unicodeScalars.contains { scalar in
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .spaceSeparator, .surrogate, .privateUse,
                .unassigned:
                return true
            default:
                return scalar == "\"" || scalar == "\\" || scalar == "="
            }
        }
        guard needsQuotes else { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                switch scalar.properties.generalCategory {
                case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                default:
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Where log lines go.
    public final class LogSink: Sendable {
        private let lock = Mutex<Void>(())
        private let fd: Int32
        public init(fd: Int32) { self.fd = fd }
        public static let standardError = LogSink(fd: 2)

        func write(_ line: String) {
            lock.withLock { _ in
                var bytes = Array(line.utf8)
                var offset = 0
                while offset < bytes.count {
                    let n = bytes.withUnsafeMutableBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
                    if n <= 0 { break }
                    offset += n
                }
            }
        }
    }
}

extension Configuration {
    /// The values that must never be printed.
    public var secretValues: [String] {
        [amiPassword.value, apiKey?.value, webhookSecret?.value].compactMap { $0 }.filter { !$0.isEmpty }
    }

    /// Bootstraps swift-log once per process with this configuration's format and level.
    public func makeLogger(label: String = "faxdrop") -> Logger {
        let level = Logger.Level(rawValue: logLevel.lowercased()) ?? .info
        let handler = FaxDropLogHandler(label: label, format: logFormat, level: level, secrets: secretValues)
        return Logger(label: label) { _ in handler }
    }
}
