/// One AMI message: an ordered list of `Name: value` header lines, as Asterisk writes
/// them (a response, an event) or as a client writes them (an action).
///
/// Header names are looked up case-insensitively and the first occurrence wins, as in
/// Asterisk's `astman_get_header()`; `Variable:` may repeat on purpose.
public struct AMIMessage: Sendable, Equatable {
    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var headers: [Header]

    public init(_ headers: [Header] = []) { self.headers = headers }

    /// Builds a message from pairs, in order.
    public init(_ pairs: KeyValuePairs<String, String>) {
        self.headers = pairs.map { Header($0.key, $0.value) }
    }

    /// The first value of `name` (case-insensitive), or nil.
    public subscript(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        headers.filter { $0.name.caseInsensitiveEquals(name) }.map(\.value)
    }

    public mutating func append(_ name: String, _ value: String) { headers.append(Header(name, value)) }

    /// `Event:` value for events, nil for responses and actions.
    public var event: String? { self["Event"] }
    /// `Response:` value (`Success`, `Error`, `Goodbye`) for responses; nil otherwise.
    /// An `OriginateResponse` event also carries `Response:`; check `event` first.
    public var response: String? { event == nil ? self["Response"] : nil }
    public var actionID: String? { self["ActionID"] }
    public var action: String? { self["Action"] }

    /// The wire form: `Name: value\r\n` per header, then an empty line.
    public var encoded: String {
        var text = ""
        for header in headers { text += "\(header.name): \(header.value)\r\n" }
        return text + "\r\n"
    }
}

extension AMIMessage: CustomStringConvertible {
    /// One line for logs; the value of `Secret` and `Key` is never shown.
    public var description: String {
        headers.map { header in
            let hidden = header.name.caseInsensitiveEquals("Secret") || header.name.caseInsensitiveEquals("Key")
            return "\(header.name): \(hidden ? "<redacted>" : header.value)"
        }.joined(separator: " | ")
    }
}

/// What the decoder produces from the byte stream Asterisk writes.
public enum AMIFrame: Sendable, Equatable {
    /// The single greeting line, e.g. `Asterisk Call Manager/9.0.0`.
    case banner(String)
    case message(AMIMessage)
}

extension String {
    func caseInsensitiveEquals(_ other: String) -> Bool {
        self.utf8.count == other.utf8.count && self.lowercased() == other.lowercased()
    }
}
