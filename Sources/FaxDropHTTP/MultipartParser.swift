/// A streaming `multipart/form-data` parser (RFC 7578 over RFC 2046), fed the body in
/// whatever pieces the network delivers. It keeps no I/O: `feed` returns what it found, and
/// the caller decides where part data goes. Only the tail that could be the start of a
/// delimiter is held back between calls, so memory stays bounded by the caller's sink.
public struct MultipartParser: Sendable {
    public struct PartHeaders: Sendable, Equatable {
        /// The `name` of `Content-Disposition: form-data`.
        public var name: String
        /// The `filename`, when the part is a file.
        public var filename: String?
        public var contentType: String?
    }

    public enum Event: Sendable, Equatable {
        case partBegan(PartHeaders)
        case partData([UInt8])
        case partEnded
        /// The closing delimiter was read; anything after it is ignored.
        case finished
    }

    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    private enum State {
        /// Before the first delimiter (the preamble is skipped).
        case preamble
        /// Just after a delimiter: `--` (the end) or CRLF (a part follows).
        case afterDelimiter
        case headers
        case body
        case finished
    }

    /// The most header bytes one part may have.
    public static let maxHeaderBytes = 8192

    private let delimiter: [UInt8]  // "\r\n--" + boundary
    private var state = State.preamble
    private var buffer: [UInt8] = []

    /// `boundary` from the request's `Content-Type`, see `boundary(fromContentType:)`.
    public init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
        // The body starts with the first delimiter without its leading CRLF; pretend one came.
        buffer = [13, 10]
    }

    public var isFinished: Bool {
        if case .finished = state { return true }
        return false
    }

    /// The boundary parameter of a `multipart/form-data` content type, or `nil`.
    public static func boundary(fromContentType value: String) -> String? {
        let parts = HeaderParameters.split(value)
        guard parts.value.lowercased() == "multipart/form-data", let b = parts.parameters["boundary"],
            (1...70).contains(b.utf8.count)
        else { return nil }
        return b
    }

    /// Consumes `bytes`; returns the events they complete, in order.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(Failure) -> [Event] {
        buffer.append(contentsOf: bytes)
        var events: [Event] = []
        var position = 0
        loop: while true {
            switch state {
            case .finished:
                buffer.removeAll()
                return events
            case .preamble:
                guard let at = Self.find(delimiter, in: buffer, from: position) else {
                    position = max(position, buffer.count - delimiter.count + 1)
                    break loop
                }
                position = at + delimiter.count
                state = .afterDelimiter
            case .afterDelimiter:
                // Transport padding (spaces, tabs) may follow a delimiter before its CRLF.
                var i = position
                while i < buffer.count, buffer[i] == 32 || buffer[i] == 9 { i += 1 }
                guard i + 2 <= buffer.count else { break loop }
                if buffer[i] == 45, buffer[i + 1] == 45 {  // "--"
                    state = .finished
                    events.append(.finished)
                    continue loop
                }
                guard buffer[i] == 13, buffer[i + 1] == 10 else {
                    throw Failure(description: "malformed multipart delimiter line")
                }
                position = i + 2
                state = .headers
            case .headers:
                guard let end = Self.find([13, 10, 13, 10], in: buffer, from: position) else {
                    if buffer.count - position > Self.maxHeaderBytes {
                        throw Failure(description: "multipart part headers are too long")
                    }
                    break loop
                }
                let text = String(decoding: buffer[position..<end], as: UTF8.self)
                events.append(.partBegan(try Self.parseHeaders(text)))
                position = end + 4
                state = .body
            case .body:
                if let at = Self.find(delimiter, in: buffer, from: position) {
                    if at > position { events.append(.partData(Array(buffer[position..<at]))) }
                    events.append(.partEnded)
                    position = at + delimiter.count
                    state = .afterDelimiter
                } else {
                    // Keep what could be the start of a delimiter split across pieces.
                    let safe = buffer.count - (delimiter.count - 1)
                    if safe > position {
                        events.append(.partData(Array(buffer[position..<safe])))
                        position = safe
                    }
                    break loop
                }
            }
        }
        buffer.removeFirst(position)
        return events
    }

    /// Called at the end of the body: a body that stops before its closing delimiter is malformed.
    public func finish() throws(Failure) {
        guard isFinished else { throw Failure(description: "the multipart body ended before its closing boundary") }
    }

    static func parseHeaders(_ text: String) throws(Failure) -> PartHeaders {
        var name: String?
        var filename: String?
        var contentType: String?
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else {
                throw Failure(description: "malformed multipart header line")
            }
            let field = line[..<colon].trimmingSpaces().lowercased()
            let value = String(line[line.index(after: colon)...].trimmingSpaces())
            switch field {
            case "content-disposition":
                let parsed = HeaderParameters.split(value)
                guard parsed.value.lowercased() == "form-data" else {
                    throw Failure(description: "a multipart part is not form-data")
                }
                name = parsed.parameters["name"]
                filename = parsed.parameters["filename"]
            case "content-type":
                contentType = value
            default:
                continue
            }
        }
        guard let name else { throw Failure(description: "a multipart part has no name") }
        return PartHeaders(name: name, filename: filename, contentType: contentType)
    }

    /// The first index of `needle` in `haystack` at or after `start`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, haystack.count - start >= needle.count else { return nil }
        return haystack.withUnsafeBufferPointer { h -> Int? in
            var i = start
            let last = h.count - needle.count
            while i <= last {
                if h[i] == first {
                    var j = 1
                    while j < needle.count && h[i + j] == needle[j] { j += 1 }
                    if j == needle.count { return i }
                }
                i += 1
            }
            return nil
        }
    }
}

/// `value; key=token; key="quoted \" string"` as in `Content-Type` and `Content-Disposition`.
enum HeaderParameters {
    static func split(_ header: String) -> (value: String, parameters: [String: String]) {
        var chars = Array(header.unicodeScalars)
        var i = 0
        func skipSpaces() { while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 } }
        func readUntil(_ stops: Set<Unicode.Scalar>) -> String {
            var out = String.UnicodeScalarView()
            while i < chars.count, !stops.contains(chars[i]) {
                out.append(chars[i])
                i += 1
            }
            return String(out).trimmingSpaces()
        }
        let value = readUntil([";"])
        var parameters: [String: String] = [:]
        while i < chars.count {
            i += 1  // ';'
            skipSpaces()
            let key = readUntil(["=", ";"]).lowercased()
            guard i < chars.count, chars[i] == "=" else { continue }
            i += 1
            skipSpaces()
            var item: String
            if i < chars.count, chars[i] == "\"" {
                i += 1
                var out = String.UnicodeScalarView()
                while i < chars.count, chars[i] != "\"" {
                    if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                    out.append(chars[i])
                    i += 1
                }
                i += 1
                item = String(out)
                _ = readUntil([";"])
            } else {
                item = readUntil([";"])
            }
            if !key.isEmpty && parameters[key] == nil { parameters[key] = item }
        }
        chars.removeAll()
        return (value, parameters)
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}
