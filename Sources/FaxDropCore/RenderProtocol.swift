/// The messages between the daemon and a `faxdrop-render` worker (SPEC §9). One JSON
/// object per line: the daemon writes a `RenderRequest` on the worker's stdin, the worker
/// answers with one `RenderReply` on its stdout. The worker keeps running between jobs.
public struct RenderRequest: Codable, Sendable, Equatable {
    /// Correlates the reply; the job id for daemon jobs.
    public var id: String
    /// The document to render (already claimed; read-only to the renderer).
    public var input: String
    /// Where to write the TIFF Class F file (the renderer writes a temp file and renames).
    public var output: String
    public var resolution: Resolution
    public var paper: Paper
    /// Documents with more pages fail `too_many_pages`.
    public var maxPages: Int
    /// Documents larger than this fail `file_too_large`.
    public var maxBytes: Int64
    /// Trim blank trailing space from pages (HylaFAX's page chop).
    public var trimBlankTail: Bool
    /// The input's format as the daemon found it when it took the job (`DocumentInspector`):
    /// the renderer renders it as that and does not sniff the file again. `nil` (a request
    /// that names no format, from `faxdrop convert` or an older daemon): the renderer sniffs.
    public var format: DocumentFormat?

    public init(
        id: String, input: String, output: String, resolution: Resolution = .fine, paper: Paper = .letter,
        maxPages: Int = 100, maxBytes: Int64 = 50 << 20, trimBlankTail: Bool = false, format: DocumentFormat? = nil
    ) {
        self.id = id
        self.input = input
        self.output = output
        self.resolution = resolution
        self.paper = paper
        self.maxPages = maxPages
        self.maxBytes = maxBytes
        self.trimBlankTail = trimBlankTail
        self.format = format
    }
}

public struct RenderReply: Codable, Sendable, Equatable {
    /// Why the render failed: a code and words for people, as the journal keeps an error.
    public typealias Failure = FaxErrorRecord

    public var id: String
    /// The recognised input format (set even when rendering failed, if recognised).
    public var format: DocumentFormat?
    /// Pages written to `output`; 0 on failure.
    public var pages: Int
    /// Encoded (compressed) bytes of each page's image data, the wire cost.
    public var pageBytes: [Int]
    /// Wall-clock seconds the render took inside the worker.
    public var seconds: Double
    /// `nil` on success.
    public var error: Failure?

    public init(
        id: String, format: DocumentFormat?, pages: Int, pageBytes: [Int], seconds: Double, error: Failure?
    ) {
        self.id = id
        self.format = format
        self.pages = pages
        self.pageBytes = pageBytes
        self.seconds = seconds
        self.error = error
    }
}
