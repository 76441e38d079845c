import FaxDropCore
import FaxDropSystem
import Foundation

/// What a signed-in key may do: `view` sees and downloads; `send` also sends, retries and cancels.
public enum ConsoleRole: String, Sendable, Codable {
    case view, send

    public var maySend: Bool { self == .send }
}

/// The keys that open the console: the daemon's API key (name `api-key`, role `send`) and the
/// named keys of `FAXDROP_HTTP_KEYS_FILE`. A presented key is hashed and compared with every
/// key's digest in full, with no early exit, so timing tells neither which key nor how much of
/// one matched.
public struct KeyRing: Sendable {
    public struct Entry: Sendable {
        public var name: String
        public var role: ConsoleRole
        fileprivate var digest: [UInt8]
    }

    /// The name the audit log gives the daemon's API key.
    public static let apiKeyName = "api-key"
    /// Keys shorter than this are refused in the keys file: they are guessable.
    public static let minimumKeyLength = 16

    public private(set) var entries: [Entry] = []

    public init(apiKey: Secret?, named: [(name: String, role: ConsoleRole, key: Secret)] = []) {
        if let apiKey, !apiKey.isEmpty {
            entries.append(Entry(name: Self.apiKeyName, role: .send, digest: Self.digest(apiKey.value)))
        }
        for item in named {
            entries.append(Entry(name: item.name, role: item.role, digest: Self.digest(item.key.value)))
        }
    }

    /// Whether any key can sign in.
    public var isConfigured: Bool { !entries.isEmpty }

    /// The entry whose key is `presented`, if any.
    public func match(_ presented: String) -> Entry? {
        let given = Self.digest(presented)
        var found: Int? = nil
        for (index, entry) in entries.enumerated() {
            var difference: UInt8 = 0
            for (a, b) in zip(entry.digest, given) { difference |= a ^ b }
            // No branch on the secret's bytes beyond this one bit per entry.
            if difference == 0 && found == nil { found = index }
        }
        return found.map { entries[$0] }
    }

    static func digest(_ text: String) -> [UInt8] {
        var hasher = SHA256()
        Array(text.utf8).withUnsafeBytes { hasher.update($0) }
        return hasher.finalize()
    }
}

extension KeyRing {
    /// Parses a keys file: one key a line, `name role key`, separated by spaces or tabs;
    /// blank lines and lines starting with `#` are skipped. Errors name the line, never the key.
    public static func parseKeysFile(_ text: String) throws(ConfigurationError) -> [(
        name: String, role: ConsoleRole, key: Secret
    )] {
        var out: [(name: String, role: ConsoleRole, key: Secret)] = []
        var names: Set<String> = []
        let lines = text.split(
            omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        for (i, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            let at = "FAXDROP_HTTP_KEYS_FILE"
            guard fields.count == 3 else {
                throw ConfigurationError(key: at, problem: "line \(i + 1): expected 'name role key'")
            }
            let name = fields[0]
            guard name.count <= 64, name != apiKeyName,
                name.unicodeScalars.allSatisfy({
                    CharacterSet.alphanumerics.contains($0) || "._-@".unicodeScalars.contains($0)
                }),
                name.unicodeScalars.allSatisfy(\.isASCII)
            else {
                throw ConfigurationError(
                    key: at,
                    problem: "line \(i + 1): a name is letters, digits, '.', '_', '-' or '@' (not '\(apiKeyName)')")
            }
            guard let role = ConsoleRole(rawValue: fields[1]) else {
                throw ConfigurationError(key: at, problem: "line \(i + 1): the role is 'view' or 'send'")
            }
            guard fields[2].count >= minimumKeyLength else {
                throw ConfigurationError(
                    key: at,
                    problem: "line \(i + 1): the key of '\(name)' is shorter than \(minimumKeyLength) characters")
            }
            guard names.insert(name).inserted else {
                throw ConfigurationError(key: at, problem: "line \(i + 1): '\(name)' is named twice")
            }
            out.append((name, role, Secret(fields[2])))
        }
        return out
    }

    /// The API key and the keys file at `path` (if any).
    public static func load(apiKey: Secret?, keysFile path: String?) throws -> KeyRing {
        guard let path else { return KeyRing(apiKey: apiKey) }
        let bytes: [UInt8]
        do {
            bytes = try AtomicFile.read(path, limit: 1 << 20)
        } catch {
            throw ConfigurationError(key: "FAXDROP_HTTP_KEYS_FILE", problem: "cannot read \(path)")
        }
        return KeyRing(apiKey: apiKey, named: try parseKeysFile(String(decoding: bytes, as: UTF8.self)))
    }
}
