import FaxDropCore

/// Collects the fields of a `POST /fax` body as it streams in: the text fields (`to`,
/// repeated for several numbers, and the options `cover`, `recipient_name`, `subject`,
/// `note`, `send_at`, `priority`) and `file`, repeated for several documents faxed in order
/// as one, whose bytes go to the caller's sink as they arrive (only the first 4 KiB of each
/// are kept, to recognise its format). Other fields are read and dropped. `maxBytes` bounds
/// all the documents together.
public struct FaxUpload: Sendable {
    public enum Problem: Error, Sendable, Equatable {
        case malformed(String)
        /// The document is larger than `maxBytes`.
        case tooLarge
        /// The sink could not take the bytes (the spool is full or not writable).
        case storage(String)
    }

    /// The text fields in order, each at most `maxFieldBytes`.
    public private(set) var fields: [(name: String, value: String)] = []
    /// The first `to` field.
    public var to: String? { values("to").first }
    public func values(_ name: String) -> [String] { fields.filter { $0.name == name }.map(\.value) }
    /// One `file` part.
    public struct File: Sendable, Equatable {
        public var name: String?
        public var bytes: Int64 = 0
        /// The document's first bytes, for `DocumentFormat.sniff`.
        public var head: [UInt8] = []
    }
    /// The `file` parts, in order.
    public private(set) var files: [File] = []
    public var fileName: String? { files.first?.name }
    public var hasFile: Bool { !files.isEmpty }
    /// The bytes of all the documents.
    public private(set) var fileBytes: Int64 = 0
    /// The first document's first bytes.
    public var head: [UInt8] { files.first?.head ?? [] }

    private var parser: MultipartParser
    private let maxBytes: Int64
    private var current: MultipartParser.PartHeaders?
    private var fieldBytes: [UInt8] = []

    /// The text fields taken by default (`POST /fax`); the others are dropped.
    public static let apiFields: Set<String> = [
        "to", "cover", "recipient_name", "subject", "note", "send_at", "priority",
    ]
    /// The most bytes of a text field (a note paragraph of 2000 characters fits).
    static let maxFieldBytes = 8192
    /// The most text fields in one request.
    static let maxFields = 64
    static let headBytes = 4096
    /// The most documents in one request (one job's limit).
    static let maxFiles = JobDocument.maxCount

    /// The text fields taken; the others are dropped.
    let textFields: Set<String>

    public init(boundary: String, maxBytes: Int64, textFields: Set<String> = apiFields) {
        parser = MultipartParser(boundary: boundary)
        self.maxBytes = maxBytes
        self.textFields = textFields
    }

    /// Whether the closing delimiter was read.
    public var isFinished: Bool { parser.isFinished }

    /// Consumes a piece of the body; the document's bytes in it are passed to `file`.
    public mutating func feed(_ bytes: some Collection<UInt8>, file: ([UInt8]) throws -> Void) throws(Problem) {
        try feed(bytes, files: { _, data in try file(data) })
    }

    /// Consumes a piece of the body; the bytes of the `file` part number `index` (from 0)
    /// are passed to `files`.
    public mutating func feed(_ bytes: some Collection<UInt8>, files sink: (_ index: Int, [UInt8]) throws -> Void)
        throws(Problem)
    {
        try feed(
            bytes, problem: { $0 },
            parts: { part throws(Problem) in
                guard case .fileData(let index, let data) = part else { return }
                do {
                    try sink(index, data)
                } catch {
                    throw .storage("\(error)")
                }
            })
    }

    /// What `feed(_:problem:parts:)` finds, in the body's order.
    public enum Part: Sendable {
        /// A part's headers were read; `file` is its number among the `file` parts.
        case began(MultipartParser.PartHeaders, file: Int?)
        /// Bytes of the `file` part `index`.
        case fileData(index: Int, [UInt8])
        /// The `file` part `index` is whole.
        case fileEnded(index: Int)
        /// A text field (one of `textFields`), whole.
        case field(name: String, value: String)
    }

    /// Consumes a piece of the body and hands what it finds to `handle` as it goes; the
    /// reader's own problems are turned into the caller's errors by `problem`.
    public mutating func feed<Failure: Error>(
        _ bytes: some Collection<UInt8>, problem: (Problem) -> Failure, parts handle: (Part) throws(Failure) -> Void
    ) throws(Failure) {
        let events: [MultipartParser.Event]
        do {
            events = try parser.feed(bytes)
        } catch {
            throw problem(.malformed(error.description))
        }
        for event in events {
            switch event {
            case .partBegan(let headers):
                current = headers
                var file: Int?
                if headers.name == "file" {
                    if files.count >= Self.maxFiles {
                        throw problem(.malformed("more than \(Self.maxFiles) file fields"))
                    }
                    files.append(File(name: headers.filename))
                    file = files.count - 1
                } else if textFields.contains(headers.name) {
                    if fields.count >= Self.maxFields {
                        throw problem(.malformed("more than \(Self.maxFields) fields"))
                    }
                    fieldBytes = []
                }
                try handle(.began(headers, file: file))
            case .partData(let data):
                guard let current else { continue }
                if current.name == "file" {
                    let index = files.count - 1
                    fileBytes += Int64(data.count)
                    files[index].bytes += Int64(data.count)
                    if fileBytes > maxBytes { throw problem(.tooLarge) }
                    if files[index].head.count < Self.headBytes {
                        files[index].head += data.prefix(Self.headBytes - files[index].head.count)
                    }
                    try handle(.fileData(index: index, data))
                } else if textFields.contains(current.name) {
                    if fieldBytes.count + data.count > Self.maxFieldBytes {
                        throw problem(.malformed("the field '\(current.name)' is too long"))
                    }
                    fieldBytes.append(contentsOf: data)
                }
            case .partEnded:
                let ended = current
                current = nil
                if let name = ended?.name, textFields.contains(name) {
                    guard let value = String(validating: fieldBytes, as: UTF8.self) else {
                        throw problem(.malformed("the field '\(name)' is not UTF-8 text"))
                    }
                    fields.append((name, value))
                    try handle(.field(name: name, value: value))
                } else if ended?.name == "file" {
                    try handle(.fileEnded(index: files.count - 1))
                }
            case .finished:
                break
            }
        }
    }

    /// At the end of the body.
    public func finish() throws(Problem) {
        do {
            try parser.finish()
        } catch {
            throw .malformed(error.description)
        }
    }
}
