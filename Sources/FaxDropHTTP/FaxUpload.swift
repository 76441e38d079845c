/// Collects the fields of a `POST /fax` body as it streams in: `to` (a short text field)
/// and `file` (the document, held up to `maxBytes`). Other fields are read and dropped.
public struct FaxUpload: Sendable {
    public enum Problem: Error, Sendable, Equatable {
        case malformed(String)
        /// The document is larger than `maxBytes`.
        case tooLarge
    }

    public private(set) var to: String?
    public private(set) var fileName: String?
    public private(set) var file: [UInt8]?

    private var parser: MultipartParser
    private let maxBytes: Int
    private var current: MultipartParser.PartHeaders?
    private var toBytes: [UInt8] = []

    /// The most bytes of a text field; a number needs 16.
    static let maxFieldBytes = 256

    public init(boundary: String, maxBytes: Int64) {
        parser = MultipartParser(boundary: boundary)
        self.maxBytes = Int(clamping: maxBytes)
    }

    public mutating func feed(_ bytes: some Collection<UInt8>) throws(Problem) {
        let events: [MultipartParser.Event]
        do {
            events = try parser.feed(bytes)
        } catch {
            throw .malformed(error.description)
        }
        for event in events {
            switch event {
            case .partBegan(let headers):
                current = headers
                if headers.name == "file" {
                    if file != nil { throw .malformed("more than one file field") }
                    file = []
                    fileName = headers.filename
                } else if headers.name == "to" {
                    toBytes = []
                }
            case .partData(let data):
                guard let current else { continue }
                if current.name == "file" {
                    if (file?.count ?? 0) + data.count > maxBytes { throw .tooLarge }
                    file?.append(contentsOf: data)
                } else if current.name == "to" {
                    if toBytes.count + data.count > Self.maxFieldBytes { throw .malformed("the field 'to' is too long") }
                    toBytes.append(contentsOf: data)
                }
            case .partEnded:
                if current?.name == "to" { to = String(decoding: toBytes, as: UTF8.self) }
                current = nil
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
