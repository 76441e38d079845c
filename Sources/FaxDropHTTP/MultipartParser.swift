/// A streaming `multipart/form-data` parser (RFC 7578 over RFC 2046), fed the body in
/// whatever pieces the network delivers. It keeps no I/O: `feed` returns what it found, and
/// the caller decides where part data goes.
///
/// Work is linear in the input whatever its shape or chunking: the delimiter is found with a
/// single-pass Knuth–Morris–Pratt search whose state (how many delimiter bytes have matched)
/// carries over from one piece to the next, so no byte is scanned twice per piece. A partly
/// matched delimiter at the end of a piece is not buffered either: its bytes are the
/// delimiter's own prefix, written out again if the match fails. Transport padding after a
/// delimiter is bounded by `maxPaddingBytes` and part headers by `maxHeaderBytes`.
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
        /// After a delimiter: transport padding (spaces, tabs), then `--` (the end) or CRLF.
        case padding
        /// The first byte after the padding was `first` (`-` or CR); the second decides.
        case delimiterLineEnd(first: UInt8)
        case headers
        case body
        case finished
        case failed
    }

    /// The most header bytes one part may have.
    public static let maxHeaderBytes = 8192
    /// The most transport padding (RFC 2046 LWSP) accepted after a delimiter.
    public static let maxPaddingBytes = 256

    private let delimiter: [UInt8]  // "\r\n--" + boundary
    /// KMP failure function: `fallback[q]` is the length of the longest proper prefix of
    /// `delimiter[0...q]` that is also its suffix.
    private let fallback: [Int]
    private var state = State.preamble
    /// Delimiter bytes matched so far (the last `matched` bytes seen are `delimiter[0..<matched]`).
    private var matched: Int
    private var paddingBytes = 0
    private var headerBytes: [UInt8] = []
    /// Progress through the `CRLF CRLF` that ends a part's headers.
    private var headerEndMatched = 0

    /// Bytes looked at so far, a comparison counted each time: at most twice the input.
    /// Exposed so tests can check that the work stays linear.
    public private(set) var bytesExamined = 0

    /// `boundary` from the request's `Content-Type`, see `boundary(fromContentType:)`.
    public init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
        var table = [Int](repeating: 0, count: delimiter.count)
        var k = 0
        for q in 1..<delimiter.count {
            while k > 0 && delimiter[q] != delimiter[k] { k = table[k - 1] }
            if delimiter[q] == delimiter[k] { k += 1 }
            table[q] = k
        }
        fallback = table
        // The body starts with the first delimiter without its leading CRLF; pretend one came.
        matched = 2
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
        var events: [Event] = []
        var failure: Failure?
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            do throws(Failure) { try consume(buffer, &events) } catch { failure = error }
        }
        if done == nil {
            Array(bytes).withUnsafeBufferPointer { buffer in
                do throws(Failure) { try consume(buffer, &events) } catch { failure = error }
            }
        }
        if let failure {
            state = .failed
            throw failure
        }
        return events
    }

    private mutating func consume(_ input: UnsafeBufferPointer<UInt8>, _ events: inout [Event]) throws(Failure) {
        var i = 0
        let end = input.count
        while i < end {
            switch state {
            case .finished:
                return
            case .failed:
                throw Failure(description: "the multipart body was already refused")
            case .preamble:
                while i < end {
                    let found = step(input[i])
                    i += 1
                    if found {
                        enterPadding()
                        break
                    }
                }
            case .padding:
                let byte = input[i]
                bytesExamined += 1
                i += 1
                if byte == 32 || byte == 9 {
                    paddingBytes += 1
                    if paddingBytes > Self.maxPaddingBytes {
                        throw Failure(
                            description: "more than \(Self.maxPaddingBytes) bytes of padding after a boundary")
                    }
                } else if byte == 45 || byte == 13 {  // "-" or CR
                    state = .delimiterLineEnd(first: byte)
                } else {
                    throw Failure(description: "malformed multipart delimiter line")
                }
            case .delimiterLineEnd(let first):
                let byte = input[i]
                bytesExamined += 1
                i += 1
                if first == 45 && byte == 45 {
                    state = .finished
                    events.append(.finished)
                } else if first == 13 && byte == 10 {
                    // The delimiter line's CRLF may also be the first half of an empty header block.
                    headerBytes = [13, 10]
                    headerEndMatched = 2
                    state = .headers
                } else {
                    throw Failure(description: "malformed multipart delimiter line")
                }
            case .headers:
                while i < end {
                    let byte = input[i]
                    bytesExamined += 1
                    i += 1
                    headerBytes.append(byte)
                    let expected: UInt8 = headerEndMatched % 2 == 0 ? 13 : 10
                    headerEndMatched = byte == expected ? headerEndMatched + 1 : (byte == 13 ? 1 : 0)
                    if headerEndMatched == 4 {
                        let text = String(decoding: headerBytes.dropFirst(2).dropLast(4), as: UTF8.self)
                        headerBytes = []
                        events.append(.partBegan(try Self.parseHeaders(text)))
                        matched = 0
                        state = .body
                        break
                    }
                    if headerBytes.count > Self.maxHeaderBytes + 2 {
                        throw Failure(description: "multipart part headers are too long")
                    }
                }
            case .body:
                // The data seen is `delimiter[0..<carried]` (held from earlier pieces) then `input[start..<i]`.
                let carried = matched
                let start = i
                var found = false
                while i < end {
                    if matched == 0 {
                        // Nothing matched: skip straight to the next CR, where a delimiter could begin.
                        while i < end && input[i] != 13 {
                            bytesExamined += 1
                            i += 1
                        }
                        if i == end { break }
                    }
                    found = step(input[i])
                    i += 1
                    if found { break }
                }
                let seen = carried + (i - start)
                let data = seen - (found ? delimiter.count : matched)
                if data > 0 {
                    var out = [UInt8](delimiter[0..<min(carried, data)])
                    if data > carried { out.append(contentsOf: input[start..<(start + data - carried)]) }
                    events.append(.partData(out))
                }
                if found {
                    events.append(.partEnded)
                    enterPadding()
                }
            }
        }
    }

    private mutating func enterPadding() {
        matched = 0
        paddingBytes = 0
        state = .padding
    }

    /// One KMP step: takes `byte` after the `matched` bytes; `true` when the delimiter is complete.
    private mutating func step(_ byte: UInt8) -> Bool {
        var q = matched
        bytesExamined += 1
        while q > 0 && delimiter[q] != byte {
            q = fallback[q - 1]
            bytesExamined += 1
        }
        if delimiter[q] == byte { q += 1 }
        if q == delimiter.count {
            matched = 0
            return true
        }
        matched = q
        return false
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
