/// A destination folder's `.faxdrop` file (SPEC §1): `KEY=value` lines like the rest of the
/// configuration, `#` comments and blank lines allowed. Keys may carry the `FAXDROP_`
/// prefix of the gateway-wide settings or not:
///
/// | key | value |
/// |---|---|
/// | `COVER` | `on` / `off` |
/// | `COVER_SUBJECT` | text, at most 120 characters |
/// | `COVER_NOTE` | text; repeat the key for more paragraphs (2000 characters in all) |
/// | `RESOLUTION` | `fine` / `normal` |
/// | `PAPER` | `letter` / `a4` |
/// | `PRIORITY` | `high` / `normal` / `low` |
/// | `MAX_ATTEMPTS` | 1 to 100 |
///
/// The file is validated whole: any bad line makes it invalid, and the folder's jobs fail
/// `invalid_options` naming the line, rather than being sent with guessed settings.
public enum FolderOptions {
    /// The file's name inside a destination folder (hidden, so never faxed).
    public static let fileName = ".faxdrop"
    /// Larger files are refused unread.
    public static let maxBytes = 8192

    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// 1-based line number, or `nil` for the file as a whole.
        public var line: Int?
        public var message: String
        public init(line: Int?, _ message: String) {
            self.line = line
            self.message = message
        }
        public var description: String {
            let place = line.map { "\(FolderOptions.fileName) line \($0)" } ?? FolderOptions.fileName
            return "\(place): \(message)"
        }
    }

    /// Parses and validates the file's bytes.
    public static func parse(_ bytes: [UInt8]) -> Result<JobOptions, Problem> {
        if bytes.count > maxBytes { return .failure(Problem(line: nil, "larger than \(maxBytes) bytes")) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(Problem(line: nil, "not UTF-8 text"))
        }
        var options = JobOptions()
        var seen: Set<String> = []
        var noteLength = 0
        // Split on the scalar: "\r\n" is one Character, and files edited on Windows use it.
        for (index, raw) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            var scalars = String.UnicodeScalarView(raw)
            if scalars.last == "\r" { scalars.removeLast() }
            let line = Substring(String(scalars))
            let trimmed = line.trimmingSpaces()
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let eq = trimmed.firstIndex(of: "=") else {
                return .failure(Problem(line: number, "expected KEY=value"))
            }
            var key = String(trimmed[..<eq].trimmingSpaces()).uppercased()
            if key.hasPrefix("FAXDROP_") { key.removeFirst("FAXDROP_".count) }
            var value = String(trimmed[trimmed.index(after: eq)...].trimmingSpaces())
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            let known = ["COVER", "COVER_SUBJECT", "RESOLUTION", "PAPER", "PRIORITY", "MAX_ATTEMPTS"]
            if known.contains(key) {
                guard seen.insert(key).inserted else { return .failure(Problem(line: number, "\(key) is set twice")) }
            }
            func bad(_ message: String) -> Result<JobOptions, Problem> { .failure(Problem(line: number, message)) }
            switch key {
            case "COVER":
                switch value.lowercased() {
                case "on", "true", "yes", "1": options.cover = true
                case "off", "false", "no", "0": options.cover = false
                default: return bad("COVER must be on or off")
                }
            case "COVER_SUBJECT":
                if let problem = JobOptions.textProblem(value, limit: JobOptions.maxSubjectLength) {
                    return bad("COVER_SUBJECT \(problem)")
                }
                options.subject = value
            case "COVER_NOTE":
                noteLength += value.unicodeScalars.count
                if let problem = JobOptions.textProblem(value, limit: JobOptions.maxNoteLength) {
                    return bad("COVER_NOTE \(problem)")
                }
                if noteLength > JobOptions.maxNoteLength {
                    return bad("COVER_NOTE: the note is longer than \(JobOptions.maxNoteLength) characters in all")
                }
                options.note = (options.note ?? []) + [value]
            case "RESOLUTION":
                guard let resolution = Resolution(rawValue: value.lowercased()) else {
                    return bad("RESOLUTION must be fine or normal")
                }
                options.resolution = resolution
            case "PAPER":
                guard let paper = Paper(rawValue: value.lowercased()) else { return bad("PAPER must be letter or a4") }
                options.paper = paper
            case "PRIORITY":
                guard let priority = JobPriority(rawValue: value.lowercased()) else {
                    return bad("PRIORITY must be high, normal or low")
                }
                options.priority = priority
            case "MAX_ATTEMPTS":
                guard let n = Int(value), JobOptions.maxAttemptsRange.contains(n) else {
                    return bad("MAX_ATTEMPTS must be a whole number from 1 to 100")
                }
                options.maxAttempts = n
            default:
                return bad(
                    "unknown key (known: COVER, COVER_SUBJECT, COVER_NOTE, RESOLUTION, PAPER, PRIORITY, MAX_ATTEMPTS)")
            }
        }
        return .success(options)
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return s
    }
}
