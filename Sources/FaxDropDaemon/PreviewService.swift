import FaxDropCore
import FaxDropFaxImage
import FaxDropSystem
import Foundation
import Logging

/// Shows a fax before anything is dialled (issue 11): the documents are rendered in
/// `tmp/preview-<token>/` by the daemon's renderer, through the same steps a job gets
/// (`JobRenderSteps`: further documents joined, cover page and letterhead in front), and
/// the pages are read back from that TIFF as PNG. Sending queues the previewed documents
/// through `Submitter`, exactly as `faxdrop submit` does; the preview folder is consumed.
///
/// A token is 128 random bits in hex and is checked before it names a path, so no token
/// reaches outside `tmp/`. Previews older than `staleAfter` are swept.
public actor PreviewService {
    public struct Preview: Sendable, Equatable {
        public let token: String
        public let pageCount: Int
        public let documentNames: [String]
    }

    /// How long an unsent preview is kept.
    public static let staleAfter: TimeInterval = 3600
    /// Thumbnails' width in pixels.
    public static let thumbnailWidth = 216
    static let folderPrefix = "preview-"
    static let imageName = "fax.tif"

    let spool: Spool
    let settings: Engine.Settings
    let renderer: any DocumentRenderer
    let submitter: Submitter
    let logger: Logger
    let clock: @Sendable () -> Date
    /// The previews made by this service: their documents' names, in order.
    var previews: [String: [String]] = [:]

    public init(
        spool: Spool, settings: Engine.Settings, renderer: any DocumentRenderer, logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.spool = spool
        self.settings = settings
        self.renderer = renderer
        self.submitter = Submitter(spool: spool)
        self.logger = logger
        self.clock = clock
    }

    /// Renders `documents` (in order, as one fax) with `options`. A document inside
    /// `spool.tmp` (a staged upload) is moved in; any other is copied. `destination` and
    /// `recipientName` fill the cover page's "to" when the fax has one.
    public func create(
        documents: [(name: String, path: String)], options: JobOptions, destination: E164Number? = nil,
        recipientName: String? = nil
    ) async throws -> Preview {
        sweepStale()
        guard !documents.isEmpty, documents.count <= JobDocument.maxCount else {
            throw PreviewError(
                .invalidOptions, "a fax has 1 to \(JobDocument.maxCount) documents, not \(documents.count)")
        }
        if let problem = JobRequest(recipientName: recipientName, options: options).problem() {
            throw PreviewError(.invalidOptions, problem)
        }
        try spool.createLayout()
        let token = Self.newToken()
        let folder = self.folder(token)
        try Syscall.mkdir(folder, mode: 0o700)
        var log = logger
        log[metadataKey: "preview"] = "\(token.prefix(8))"
        do {
            let names = documents.map { Submitter.safeName($0.name) }
            for (i, document) in documents.enumerated() {
                let target = folder + "/" + JobDocument.fileName(i + 1)
                try take(document.path, to: target)
                let findings = DocumentInspector.inspect(target, maxBytes: settings.maxBytes, logger: log)
                if let error = findings.error {
                    throw PreviewError(
                        error.code, documents.count > 1 ? Engine.naming(i + 1, names[i], error.message) : error.message)
                }
            }
            let pages = try await render(
                folder: folder, names: names, options: options, destination: destination, recipientName: recipientName,
                token: token, logger: log)
            previews[token] = names
            log.info("preview rendered", metadata: ["pages": "\(pages)", "documents": "\(names.count)"])
            return Preview(token: token, pageCount: pages, documentNames: names)
        } catch {
            removeFolder(folder)
            if let error = error as? PreviewError { throw error }
            throw PreviewError(.internalError, "the preview could not be made: \(error)")
        }
    }

    /// Page `page` (0-based) of a preview as PNG: full size, or a gray thumbnail. Not
    /// isolated: the pages of one preview are drawn side by side.
    public nonisolated func page(token: String, page: Int, thumbnail: Bool) async throws -> [UInt8] {
        let image = try imagePath(token)
        do {
            return try FaxPagePNG.render(tiff: image, page: page, maxWidth: thumbnail ? Self.thumbnailWidth : nil)
        } catch {
            let count = (try? FaxPagePNG.pageCount(tiff: image)) ?? 0
            if page < 0 || page >= count { throw PreviewError.noSuchPage(page, of: count) }
            throw PreviewError(.internalError, "the page could not be shown: \(error)")
        }
    }

    /// Queues the previewed documents for `destination` through `Submitter` (the path of
    /// `faxdrop submit`); the daemon takes the job as any other. The preview is consumed.
    public func submit(
        token: String, destination: E164Number, options: JobOptions, recipientName: String? = nil
    ) async throws -> JobID {
        _ = try imagePath(token)
        guard let names = previews[token] else { throw PreviewError.notFound }
        let request = JobRequest(recipientName: recipientName, options: options)
        if let problem = request.problem() { throw PreviewError(.invalidOptions, problem) }
        let folder = self.folder(token)
        let paths = names.indices.map { folder + "/" + JobDocument.fileName($0 + 1) }
        let id = try submitter.submit(stagedFiles: paths, names: names, to: destination, request: request, now: clock())
        previews[token] = nil
        removeFolder(folder)
        var log = logger
        log[metadataKey: "job"] = "\(id)"
        log.info("preview submitted", metadata: ["preview": "\(token.prefix(8))"])
        return id
    }

    /// Drops a preview and its files; an unknown or malformed token is ignored.
    public func discard(token: String) async {
        guard Self.isValidToken(token) else { return }
        previews[token] = nil
        removeFolder(folder(token))
    }

    /// Removes previews older than `staleAfter` (also those a previous daemon left).
    /// Returns how many were removed.
    @discardableResult
    public func sweepStale() -> Int {
        let now = clock()
        var removed = 0
        for name in (try? Syscall.listDirectory(spool.tmp)) ?? [] where name.hasPrefix(Self.folderPrefix) {
            let token = String(name.dropFirst(Self.folderPrefix.count))
            guard Self.isValidToken(token),
                let status = try? Syscall.lstatIfExists(spool.tmp + "/" + name), status.kind == .directory
            else { continue }
            let modified = Date(timeIntervalSince1970: Double(status.modifiedNanoseconds) / 1e9)
            guard now.timeIntervalSince(modified) > Self.staleAfter else { continue }
            previews[token] = nil
            removeFolder(spool.tmp + "/" + name)
            removed += 1
        }
        if removed > 0 { logger.info("stale previews removed", metadata: ["count": "\(removed)"]) }
        return removed
    }

    // MARK: - Tokens and folders

    /// 128 random bits as 32 lowercase hex digits.
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let a = generator.next() as UInt64
        let b = generator.next() as UInt64
        return hex(a) + hex(b)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Exactly 32 lowercase hex digits: nothing else ever names a folder.
    public static func isValidToken(_ token: String) -> Bool {
        token.utf8.count == 32 && token.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    nonisolated func folder(_ token: String) -> String { spool.tmp + "/" + Self.folderPrefix + token }

    /// The preview's fax image; `notFound` for a malformed, unknown, swept or sent token.
    nonisolated func imagePath(_ token: String) throws -> String {
        guard Self.isValidToken(token) else { throw PreviewError.notFound }
        let image = folder(token) + "/" + Self.imageName
        guard let status = try? Syscall.lstatIfExists(image), status.kind == .regular else {
            throw PreviewError.notFound
        }
        return image
    }

    /// Moves a staged upload (a file directly in `spool.tmp`) into the preview; copies anything else.
    func take(_ source: String, to target: String) throws {
        let parent = source.lastIndex(of: "/").map { String(source[..<$0]) } ?? "."
        if parent == spool.tmp {
            try Syscall.renameNoReplace(source, target)
            return
        }
        guard let status = try? Syscall.lstatIfExists(source) else {
            throw PreviewError(.unreadableFile, "the document cannot be found")
        }
        guard status.kind == .regular else {
            throw PreviewError(
                .notARegularFile, "the entry is a \(status.kind.rawValue), not a regular file; it was not opened")
        }
        guard status.size <= settings.maxBytes else {
            throw PreviewError(
                .fileTooLarge,
                "the document has \(status.size) bytes; at most \(settings.maxBytes) are taken (FAXDROP_MAX_BYTES)")
        }
        let bytes: [UInt8]
        do {
            bytes = try AtomicFile.read(source, limit: Int(settings.maxBytes) + 1)
        } catch {
            throw PreviewError(.unreadableFile, "the document cannot be read: \(error)")
        }
        try AtomicFile.write(bytes, to: target, stagingDirectory: spool.tmp, mode: 0o600, durable: false)
    }

    /// Removes a preview folder: its files, then the folder. Only ever a `preview-<token>` folder.
    func removeFolder(_ folder: String) {
        for name in (try? Syscall.listDirectory(folder)) ?? [] { try? Syscall.unlink(folder + "/" + name) }
        try? Syscall.rmdir(folder)
    }

    // MARK: - Rendering

    /// Renders the documents in `folder` to `folder/fax.tif` as the engine renders a job.
    /// Returns the page count, read from the image itself.
    func render(
        folder: String, names: [String], options: JobOptions, destination: E164Number?, recipientName: String?,
        token: String, logger: Logger
    ) async throws -> Int {
        let fax = Sidecar.Fax(
            resolution: settings.resolution, paper: settings.paper, header: settings.header,
            localStationID: settings.localStationID
        ).applying(options)
        let output = folder + "/" + Self.imageName
        let request = RenderRequest(
            id: Self.folderPrefix + token, input: folder + "/" + JobDocument.fileName(1), output: output,
            resolution: fax.resolution, paper: fax.paper, maxPages: settings.maxPages, maxBytes: settings.maxBytes,
            trimBlankTail: settings.trimBlankTail)
        let more = names.enumerated().dropFirst().map { i, name in
            JobDocument(originalName: name, file: JobDocument.fileName(i + 1))
        }
        let cover = settings.coverTemplate(
            options: options, recipient: destination?.value ?? "", recipientName: recipientName, fax: fax, date: clock()
        )
        let reply = await JobRenderSteps.render(
            request, more: more, firstName: names[0], cover: cover, letterhead: settings.coverLetterhead,
            renderer: renderer, folder: folder, logger: logger)
        if let error = reply.error { throw PreviewError(error.code, error.message) }
        let pages: Int
        do {
            pages = try FaxPagePNG.pageCount(tiff: output)
        } catch {
            throw PreviewError(.conversionFailed, "the rendered image is unreadable: \(error)")
        }
        guard pages > 0, pages == reply.pages else {
            throw PreviewError(.conversionFailed, "the renderer reported \(reply.pages) pages but wrote \(pages)")
        }
        return pages
    }
}

/// Why a preview could not be made, shown or sent. `code` is stable: a sidecar error code
/// (`unsupported_format`, `conversion_failed`, …) for a document's problem, or
/// `preview_not_found` / `page_not_found` for a token or page that does not exist.
public struct PreviewError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: String
    public var message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code.rawValue
        self.message = message
    }

    init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    /// The document error this is, when it is one.
    public var errorCode: ErrorCode? { ErrorCode(rawValue: code) }
    /// A token that is malformed, unknown, swept, discarded or already sent.
    public var isNotFound: Bool { code == Self.notFoundCode || code == Self.pageNotFoundCode }
    public var description: String { "\(code): \(message)" }

    public static let notFoundCode = "preview_not_found"
    public static let pageNotFoundCode = "page_not_found"
    static let notFound = PreviewError(
        code: notFoundCode, message: "no such preview: it was sent, discarded or has expired")
    static func noSuchPage(_ page: Int, of count: Int) -> PreviewError {
        PreviewError(code: pageNotFoundCode, message: "the preview has \(count) pages; there is no page \(page + 1)")
    }
}

extension Daemon {
    /// A preview service on this daemon's spool and settings that renders with the engine's
    /// own renderer (the pool of `faxdrop-render` workers), for the console to mount.
    public func makePreviewService(logger: Logger) -> PreviewService {
        PreviewService(
            spool: spool, settings: Engine.Settings(configuration), renderer: engine.renderer, logger: logger)
    }
}
