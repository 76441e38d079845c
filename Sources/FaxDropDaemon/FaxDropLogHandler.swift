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

    public init(
        label: String, format: Configuration.LogFormat, level: Logger.Level, secrets: [String],
        sink: LogSink = .standardError
    ) {
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
            // Scrubbed before escaping, so a secret is found whatever it contains.
            let fields = merged.sorted { $0.key < $1.key }.map { field in
                "\(Self.escapingControls(field.key))=\(Self.quoteIfNeeded(scrub("\(field.value)")))"
            }
            let message = Self.escapingControls(scrub("\(event.message)"))
            line = ([time, event.level.rawValue.uppercased(), message] + fields).joined(separator: " ")
        case .json:
            var object: [String: String] = [
                "ts": time, "level": event.level.rawValue, "msg": scrub("\(event.message)"), "logger": label,
            ]
            for (key, value) in merged { object[key] = scrub("\(value)") }
            let data =
                (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
                ?? Data()
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
        let needsQuotes =
            value.isEmpty
            || value.unicodeScalars.contains { scalar in
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

    /// `text` with every control character written as an escape, so that one log call is
    /// always one line of text and nothing in a value (a file name, a header) can move the
    /// cursor, colour the terminal or begin a forged line. Done per Unicode scalar: `"\r\n"`
    /// is one `Character` and would slip past a per-Character test for `"\n"`. Escaped:
    /// C0 (U+0000–U+001F), DEL, C1 (U+0080–U+009F), and the line and paragraph separators
    /// U+2028 and U+2029, and format characters (bidi overrides, zero-width). A backslash
    /// is doubled so an escape cannot be faked. Metadata values go through `quoteIfNeeded`.
    static func escapingControls(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { needsEscape($0) || $0 == "\\" }) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out.append(contentsOf: #"\n"#.unicodeScalars)
            case "\r": out.append(contentsOf: #"\r"#.unicodeScalars)
            case "\t": out.append(contentsOf: #"\t"#.unicodeScalars)
            case "\\": out.append(contentsOf: #"\\"#.unicodeScalars)
            case _ where needsEscape(scalar):
                let hex = String(scalar.value, radix: 16)
                out.append(contentsOf: "\\u{\(hex)}".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || (0x7F...0x9F).contains(v) || v == 0x2028 || v == 0x2029
            || scalar.properties.generalCategory == .format
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
                    let n = bytes.withUnsafeMutableBytes {
                        Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset)
                    }
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
