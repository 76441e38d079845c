/// `FAXDROP_INBOUND_ROUTES`: which folder under `incoming/` a received fax goes to, by the
/// DID it arrived on (SPEC §10). One rule a line, `#` starts a comment:
///
///     +15551002     sales        # exactly this DID
///     +1555100*     support      # any DID starting with +1555100
///
/// The longest matching pattern wins; a DID no rule matches keeps its own folder. Folder
/// names are plain names (letters, digits, `_`, `-`, `.`; not starting with `.`), never
/// paths, so a routes file cannot send a fax outside `incoming/`.
public struct InboundRoutes: Sendable, Equatable {
    public struct Rule: Sendable, Equatable {
        public var pattern: String
        public var isPrefix: Bool
        public var folder: String
    }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var line: Int
        public var problem: String
        public var description: String { "line \(line): \(problem)" }
    }

    public private(set) var rules: [Rule] = []

    public init() {}

    public init(parsing text: String) throws {
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            if words.isEmpty { continue }
            guard words.count == 2 else { throw ParseError(line: index + 1, problem: "want: DID-or-prefix* folder") }
            var pattern = words[0]
            let isPrefix = pattern.hasSuffix("*")
            if isPrefix { pattern.removeLast() }
            let digits = pattern.hasPrefix("+") ? pattern.dropFirst() : Substring(pattern)
            guard (isPrefix ? 0 : 1)...15 ~= digits.count, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw ParseError(line: index + 1, problem: "'\(words[0])' is no DID or DID prefix")
            }
            guard Self.isFolderName(words[1]) else {
                throw ParseError(line: index + 1, problem: "'\(words[1])' is no plain folder name")
            }
            rules.append(Rule(pattern: pattern, isPrefix: isPrefix, folder: words[1]))
        }
    }

    /// The folder for a validated DID; nil when no rule matches.
    public func folder(for did: String) -> String? {
        rules.filter { $0.isPrefix ? did.hasPrefix($0.pattern) : did == $0.pattern }
            .max { ($0.pattern.count, $0.isPrefix ? 0 : 1) < ($1.pattern.count, $1.isPrefix ? 0 : 1) }?.folder
    }

    public static func isFolderName(_ name: String) -> Bool {
        guard (1...64).contains(name.utf8.count), name.first != "." else { return false }
        return name.unicodeScalars.allSatisfy { s in
            s.isASCII
                && (("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s)
                    || "+_-.".unicodeScalars.contains(s))
        }
    }
}
