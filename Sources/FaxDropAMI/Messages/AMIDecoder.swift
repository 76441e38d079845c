/// Splits the AMI byte stream into frames, whatever the chunking of the bytes.
///
/// Framing (AMI-REFERENCE §1.1–1.2): the server first writes one banner line with no
/// empty line after it; then every message is header lines ended by an empty line.
/// Lines end in CRLF; a bare LF is accepted as well. Empty lines between messages are
/// skipped. A line without a colon is kept as a header with an empty value.
public struct AMIDecoder: Sendable {
    public struct LineTooLong: Error, Sendable, CustomStringConvertible {
        public var limit: Int
        public var description: String { "AMI line longer than \(limit) bytes" }
    }

    /// Longest line accepted; Asterisk's own limit for client lines is 1 KiB, its output
    /// lines are bounded by its event sizes. A longer line means a broken peer.
    public static let maximumLineLength = 64 * 1024

    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var expectingBanner: Bool
    private var pending: [AMIMessage.Header] = []

    /// - Parameter expectBanner: true on the client side (the server greets first).
    public init(expectBanner: Bool = true) {
        self.expectingBanner = expectBanner
    }

    /// Appends received bytes.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if readIndex > 4096 && readIndex * 2 > buffer.count {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, or nil when more bytes are needed.
    public mutating func next() throws -> AMIFrame? {
        while let line = try nextLine() {
            if expectingBanner {
                expectingBanner = false
                return .banner(line)
            }
            if line.isEmpty {
                guard !pending.isEmpty else { continue }
                let message = AMIMessage(pending)
                pending = []
                return .message(message)
            }
            pending.append(Self.header(line))
        }
        return nil
    }

    /// Every complete frame now available.
    public mutating func frames() throws -> [AMIFrame] {
        var out: [AMIFrame] = []
        while let frame = try next() { out.append(frame) }
        return out
    }

    /// True when bytes of an unfinished message are buffered (the peer closed mid-message).
    public var hasPartialMessage: Bool { !pending.isEmpty || readIndex < buffer.count }

    private mutating func nextLine() throws -> String? {
        guard let newline = buffer[readIndex...].firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.count - readIndex > Self.maximumLineLength { throw LineTooLong(limit: Self.maximumLineLength) }
            return nil
        }
        var end = newline
        if end > readIndex && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = String(decoding: buffer[readIndex..<end], as: UTF8.self)
        readIndex = newline + 1
        return line
    }

    /// `Name: value`: the name ends at the first colon; leading blanks of the value are
    /// skipped, trailing blanks kept (as Asterisk does).
    static func header(_ line: String) -> AMIMessage.Header {
        guard let colon = line.firstIndex(of: ":") else { return AMIMessage.Header(line, "") }
        let name = String(line[..<colon])
        let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
        return AMIMessage.Header(name, String(value))
    }
}
