import Foundation

/// One Asterisk node of `FAXDROP_ASTERISK_NODES` (issue 14).
@PublicInit
public struct AsteriskNode: Sendable, Equatable {
    public var name: String
    public var host: String
    public var port: Int = 5038
    public var username: String = "faxdrop"
    public var secret: Secret
    public var maxChannels: Int
    /// E.164 prefixes (`+` and digits) this node serves; `["*"]` (the default when none is
    /// given) makes it serve every destination no other node's longer prefix claims.
    public var prefixes: [String] = ["*"]
    public var weight: Int = 1
    /// Calls started per second the node's trunk allows; 0 for no limit.
    public var callsPerSecond: Double = 0
    /// Where this node's `ReceiveFAX` writes (its `FAXDROP_RX_DIR`), as FaxDrop sees it;
    /// nil: the spool's `receiving/`, as with one node.
    public var receivingDir: String?
}

/// The nodes file: one `[name]` section per node, `key = value` lines, `#` comments.
///
///     [ast1]
///     host = 10.0.0.11
///     port = 5038
///     user = faxdrop
///     secret_file = /etc/faxdrop/ast1.secret
///     max_channels = 60
///     prefixes = +1 +44
///     weight = 2
///     cps = 5
///     receiving_dir = /srv/faxdrop/spool/receiving/ast1
///
/// `secret` or `secret_file` (exactly one; a file's trailing newline is dropped). Errors
/// name the line and the key, never a secret's value.
public enum AsteriskNodesFile {
    public static let key = "FAXDROP_ASTERISK_NODES"

    public static func parse(_ text: String, readSecretFile: (String) throws -> String) throws -> [AsteriskNode] {
        var nodes: [AsteriskNode] = []
        var section: (name: String, line: Int, values: [String: (value: String, line: Int)])?

        func problem(_ line: Int, _ message: String) -> ConfigurationError {
            ConfigurationError(key: key, problem: "line \(line): \(message)")
        }

        func finish() throws {
            guard let current = section else { return }
            var values = current.values
            func take(_ name: String) -> (value: String, line: Int)? { values.removeValue(forKey: name) }
            func int(_ name: String, _ range: ClosedRange<Int>, default value: Int?) throws -> Int {
                guard let entry = take(name) else {
                    guard let value else { throw problem(current.line, "[\(current.name)] needs \(name)") }
                    return value
                }
                guard let number = Int(entry.value), range.contains(number) else {
                    throw problem(
                        entry.line, "\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound)")
                }
                return number
            }
            guard let host = take("host"), !host.value.isEmpty else {
                throw problem(current.line, "[\(current.name)] needs host")
            }
            let port = try int("port", 1...65535, default: 5038)
            let username = take("user")?.value ?? "faxdrop"
            let secret: Secret
            switch (take("secret"), take("secret_file")) {
            case (let inline?, nil):
                secret = Secret(inline.value)
            case (nil, let file?):
                do {
                    var text = try readSecretFile(file.value)
                    while text.last?.isNewline == true { text.removeLast() }
                    secret = Secret(text)
                } catch {
                    throw problem(file.line, "secret_file \(file.value) cannot be read")
                }
            case (_?, _?):
                throw problem(current.line, "[\(current.name)] has both secret and secret_file; keep one")
            case (nil, nil):
                throw problem(current.line, "[\(current.name)] needs secret or secret_file")
            }
            let maxChannels = try int("max_channels", 1...10_000, default: nil)
            let weight = try int("weight", 1...1000, default: 1)
            var cps = 0.0
            if let entry = take("cps") {
                guard let value = Double(entry.value), value >= 0, value <= 10_000 else {
                    throw problem(entry.line, "cps must be a number of calls per second, 0 for no limit")
                }
                cps = value
            }
            var prefixes = ["*"]
            if let entry = take("prefixes") {
                prefixes = entry.value.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }).map(String.init)
                for prefix in prefixes where prefix != "*" {
                    guard prefix.first == "+", prefix.count >= 2, prefix.dropFirst().allSatisfy(\.isASCII),
                        prefix.dropFirst().allSatisfy(\.isNumber)
                    else {
                        throw problem(entry.line, "prefix '\(prefix)' is not + and digits (or * for the default route)")
                    }
                }
                if prefixes.isEmpty { prefixes = ["*"] }
            }
            var receivingDir: String?
            if let entry = take("receiving_dir") {
                guard entry.value.hasPrefix("/"), !entry.value.contains("\0") else {
                    throw problem(entry.line, "receiving_dir must be an absolute path")
                }
                var path = entry.value
                while path.count > 1, path.hasSuffix("/") { path.removeLast() }
                receivingDir = path
            }
            if let unknown = values.min(by: { $0.value.line < $1.value.line }) {
                throw problem(unknown.value.line, "unknown key \(unknown.key)")
            }
            nodes.append(
                AsteriskNode(
                    name: current.name, host: host.value, port: port, username: username, secret: secret,
                    maxChannels: maxChannels, prefixes: prefixes, weight: weight, callsPerSecond: cps,
                    receivingDir: receivingDir))
            section = nil
        }

        for (offset, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
        {
            let number = offset + 1
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw problem(number, "a section is [name]") }
                try finish()
                let name = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                guard !name.isEmpty, name.count <= 32,
                    name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
                else {
                    throw problem(number, "a node name is 1 to 32 letters, digits, '-', '_' or '.'")
                }
                guard !nodes.contains(where: { $0.name == name }) else { throw problem(number, "node \(name) twice") }
                section = (name, number, [:])
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { throw problem(number, "expected key = value") }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard section != nil else { throw problem(number, "\(name) before the first [node] section") }
            guard section?.values[name] == nil else { throw problem(number, "\(name) twice in [\(section!.name)]") }
            section?.values[name] = (value, number)
        }
        try finish()
        guard !nodes.isEmpty else { throw ConfigurationError(key: key, problem: "no [node] section") }
        return nodes
    }
}
