import FaxDropCore

/// A rendered preview (PreviewService's answer, console-contract.md).
public struct ConsolePreview: Sendable, Equatable {
    public var token: String
    public var pageCount: Int
    public var documentNames: [String]

    public init(token: String, pageCount: Int, documentNames: [String]) {
        self.token = token
        self.pageCount = pageCount
        self.documentNames = documentNames
    }
}

/// The daemon's preview service as the console uses it: render the documents as the recipient
/// will get them, show the pages, then submit through the same path as `faxdrop submit`.
public protocol ConsolePreviewing: Sendable {
    func create(documents: [(name: String, path: String)], options: JobOptions) async throws -> ConsolePreview
    func page(token: String, page: Int, thumbnail: Bool) async throws -> [UInt8]
    func submit(token: String, destination: E164Number, options: JobOptions) async throws -> JobID
    func discard(token: String) async
}

/// Page images of the fax as it was sent (from the kept fax TIFF, never a second render).
public protocol FaxPageImages: Sendable {
    /// Pages of the kept image of `job`; `nil` when none is kept.
    func pageCount(job: JobID) throws -> Int?
    /// Page `page` (0-based) as PNG, downscaled when `thumbnail`.
    func png(job: JobID, page: Int, thumbnail: Bool) throws -> [UInt8]
}
