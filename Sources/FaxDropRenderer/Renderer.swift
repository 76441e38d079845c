import FaxDropBilevel
import FaxDropCore
import FaxDropFaxImage
import FaxDropSystem
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The rendering engine of a `faxdrop-render` worker: one document in, one TIFF Class F
/// file out (or a failure with its stable code). Keeps one Ghostscript interpreter across
/// jobs; the output is written under a temporary name and renamed only when whole.
public final class Renderer {
    private var session: GhostscriptSession?
    private let binarizer = Binarizer()
    /// A kept interpreter is replaced after this many jobs, bounding slow leaks.
    private let jobsPerSession = 500

    public init() {}

    public func render(_ request: RenderRequest) -> RenderReply {
        let clock = ContinuousClock()
        let start = clock.now
        var format: DocumentFormat?
        let result: Result<[FaxPageInfo], FaxError>
        do {
            result = .success(try renderDocument(request, format: &format))
        } catch {
            result = .failure(error)
        }
        let elapsed = start.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        switch result {
        case .success(let pages):
            return RenderReply(
                id: request.id, format: format, pages: pages.count, pageBytes: pages.map(\.encodedBytes),
                seconds: seconds, error: nil)
        case .failure(let error):
            return RenderReply(
                id: request.id, format: format, pages: 0, pageBytes: [], seconds: seconds,
                error: .init(code: error.code, message: error.message))
        }
    }

    private func renderDocument(_ request: RenderRequest, format: inout DocumentFormat?) throws(FaxError)
        -> [FaxPageInfo]
    {
        let head = try Self.checkInput(request)
        // The daemon's answer when it gave one (it sniffed the document once, at its claim).
        guard let sniffed = request.format ?? DocumentFormat.sniff(head) else {
            throw FaxError(.unsupportedFormat, "the file is not PDF, PostScript, TIFF, JPEG, PNG or UTF-8 text")
        }
        format = sniffed
        let staging = Self.stagingPaths(for: request.output)
        defer {
            try? Syscall.unlink(staging.part)
            try? Syscall.unlink(staging.whole)
        }
        let writer: FaxImageWriter
        do {
            writer = try FaxImageWriter(path: staging.part)
        } catch {
            throw FaxError(.conversionFailed, "cannot create the fax image: \(error)")
        }
        let sink = PageSink(
            writer: writer, binarizer: binarizer, resolution: request.resolution, maximumPages: request.maxPages,
            trimBlankTail: request.trimBlankTail)
        switch sniffed {
        case .pdf: try renderPDF(request, sink: sink)
        case .postscript: try renderPostScript(request, sink: sink)
        case .text: try renderText(request, sink: sink)
        case .tiff:
            let count = try ImageDecoder.tiffPageCount(request.input)
            guard count <= request.maxPages else { throw Self.tooManyPages(count, request.maxPages) }
            for index in 0..<count {
                try sink.add(
                    try ImageDecoder.tiffPage(request.input, index: index).placedOnFaxPage(
                        resolution: request.resolution, paper: request.paper))
            }
        case .jpeg:
            let photo = try ImageDecoder.jpeg(request.input)
                .orientedForDisplay(exifOrientation: ImageDecoder.exifOrientation(head))
            try sink.add(photo.placedOnFaxPage(resolution: request.resolution, paper: request.paper))
        case .png:
            try sink.add(
                try ImageDecoder.png(request.input, head: head).placedOnFaxPage(
                    resolution: request.resolution, paper: request.paper))
        }
        sink.drain()
        if let failure = sink.failure { throw failure }
        writer.close()
        guard sink.pages > 0 else { throw FaxError(.corruptDocument, "the document has no printable page") }
        do {
            let pages = try FaxImage.copyPages(from: staging.part, to: staging.whole)
            guard pages.count == sink.pages else {
                throw FaxError(.conversionFailed, "wrote \(sink.pages) pages but read back \(pages.count)")
            }
            try Syscall.rename(staging.whole, request.output)
            return pages
        } catch let error as FaxError {
            throw error
        } catch {
            throw FaxError(.conversionFailed, "cannot finish the fax image: \(error)")
        }
    }

    // MARK: Input checks

    /// Checks the file is a non-empty regular file within the size limit; returns its first bytes.
    static func checkInput(_ request: RenderRequest) throws(FaxError) -> [UInt8] {
        let status: FileStatus
        do {
            status = try Syscall.lstat(request.input)
        } catch {
            throw FaxError(.conversionFailed, "cannot read the document: \(error)")
        }
        guard status.kind == .regular else { throw FaxError(.notARegularFile, "the document is not a regular file") }
        guard status.size > 0 else { throw FaxError(.emptyFile, "the file is empty") }
        guard status.size <= request.maxBytes else {
            throw FaxError(
                .fileTooLarge, "the file has \(status.size) bytes, more than \(request.maxBytes) (FAXDROP_MAX_BYTES)")
        }
        do {
            let fd = FileDescriptor(owning: try Syscall.openForReadingNoFollow(request.input))
            var head = [UInt8](repeating: 0, count: 4096)
            var filled = 0
            while filled < head.count {
                let n = try head.withUnsafeMutableBytes { raw in
                    try Syscall.read(fd.rawValue, into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...]))
                }
                if n == 0 { break }
                filled += n
            }
            return Array(head[0..<filled])
        } catch {
            throw FaxError(.conversionFailed, "cannot read the document: \(error)")
        }
    }

    static func stagingPaths(for output: String) -> (part: String, whole: String) {
        let slash = output.lastIndex(of: "/")
        let directory = slash.map { String(output[..<$0]) } ?? "."
        let name = slash.map { String(output[output.index(after: $0)...]) } ?? output
        let tag = "\(getpid()).\(UInt32.random(in: 0...UInt32.max))"
        return ("\(directory)/.\(name).\(tag).part", "\(directory)/.\(name).\(tag).tmp")
    }

    static func tooManyPages(_ count: Int, _ limit: Int) -> FaxError {
        FaxError(.tooManyPages, "the document has \(count) pages, more than \(limit) (FAXDROP_MAX_PAGES)")
    }

    // MARK: Ghostscript documents

    /// Starts the interpreter for this geometry now (a confined worker forks per job from a
    /// ready interpreter). A failure here is reported by the job that needs it.
    public func prepare(resolution: Resolution, paper: Paper) {
        _ = try? interpreter(for: RenderRequest(id: "", input: "", output: "", resolution: resolution, paper: paper))
    }

    /// Runs a trusted PDF through the interpreter and drops its pages (no page sink, no
    /// Dispatch queue: a worker that forks per job must never have started libdispatch,
    /// which is not fork-safe). Loads fonts, colour profiles and the PDF interpreter once.
    public func warmUp(pdf path: String, resolution: Resolution, paper: Paper) {
        let request = RenderRequest(
            id: "warm-up", input: Self.resolved(path), output: "", resolution: resolution, paper: paper)
        guard let gs = try? interpreter(for: request) else { return }
        gs.permitReading(request.input)
        gs.onPage = { _ in true }
        defer {
            gs.forbidReading(request.input)
            gs.onPage = nil
        }
        let result = gs.run(
            Self.guarded(
                "\(PostScript.string(request.input)) (r) file runpdfbegin process_trailer_attrs 1 1 dopdfpages runpdfend"
            ))
        if result.code < 0 || Self.errorName(result.output) != nil { session = nil }
    }

    private func interpreter(for request: RenderRequest) throws(FaxError) -> GhostscriptSession {
        if let session, session.resolution == request.resolution, session.paper == request.paper,
            session.jobs < jobsPerSession
        {
            return session
        }
        session = nil
        let fresh = try GhostscriptSession(resolution: request.resolution, paper: request.paper)
        session = fresh
        return fresh
    }

    /// Wraps a program so that a PostScript error is reported on stdout instead of aborting.
    static func guarded(_ program: String) -> String {
        "{ \(program) } stopped { (\\nFAXDROP-COMMAND ) print $error /command get == "
            + "(\\nFAXDROP-ERROR ) print $error /errorname get == flush } if\n"
    }

    /// A file operation refused by Ghostscript's SAFER mode (`/invalidfileaccess`) or by the
    /// kernel's sandbox (an `/ioerror` or `/invalidfileaccess` from a file operator).
    static func isRefusedFileAccess(_ name: String, _ output: String) -> Bool {
        if name == "/invalidfileaccess" { return true }
        guard name == "/ioerror", let range = output.range(of: "FAXDROP-COMMAND ") else { return false }
        let command = output[range.upperBound...].prefix(while: { $0 != "\n" })
        return ["--deletefile--", "--renamefile--", "--file--", "--filenameforall--", "--setpagedevice--"]
            .contains(String(command))
    }

    static func errorName(_ output: String) -> String? {
        guard let range = output.range(of: "FAXDROP-ERROR ") else { return nil }
        return String(output[range.upperBound...].prefix(while: { $0 != "\n" }))
    }

    /// The most telling line of Ghostscript's output, for people.
    static func diagnosis(_ output: String) -> String {
        let lines = output.split(separator: "\n").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " *\t")) }
            .filter { !$0.isEmpty && !$0.hasPrefix("FAXDROP-") }
        let line = lines.first(where: { $0.contains("rror") || $0.contains("password") }) ?? lines.first
        let name = errorName(output).map { "PostScript error \($0)" }
        return [line, name].compactMap { $0 }.joined(separator: "; ").nilIfEmpty ?? "no detail"
    }

    /// The absolute, symlink-free path Ghostscript is allowed to read (its control paths
    /// are compared as strings). The corresponding C function is `realpath`.
    static func resolved(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }

    private func renderPDF(_ request: RenderRequest, sink: PageSink) throws(FaxError) {
        var request = request
        request.input = Self.resolved(request.input)
        let gs = try interpreter(for: request)
        gs.permitReading(request.input)
        gs.countJob()
        defer {
            gs.forbidReading(request.input)
            gs.onPage = nil
        }
        let path = PostScript.string(request.input)
        let opened = gs.run(
            Self.guarded("\(path) (r) file runpdfbegin pdfpagecount (\\nFAXDROP-PAGES ) print == flush"))
        guard opened.code >= 0, Self.errorName(opened.output) == nil,
            let pagesLine = opened.output.range(of: "FAXDROP-PAGES "),
            let expected = Int(opened.output[pagesLine.upperBound...].prefix(while: { $0.isNumber }))
        else {
            session = nil
            if opened.output.lowercased().contains("password") {
                throw FaxError(.encryptedDocument, "the PDF needs a password to open")
            }
            throw FaxError(.corruptDocument, "the PDF cannot be read: \(Self.diagnosis(opened.output))")
        }
        guard expected > 0 else {
            session = nil
            throw FaxError(.corruptDocument, "the PDF has no pages")
        }
        guard expected <= request.maxPages else {
            if gs.run(Self.guarded("runpdfend")).code < 0 { session = nil }
            throw Self.tooManyPages(expected, request.maxPages)
        }
        gs.onPage = { [unowned sink] page in sink.accept(page) }
        let rendered = gs.run(Self.guarded("process_trailer_attrs 1 \(expected) dopdfpages runpdfend"))
        sink.drain()
        if let failure = sink.failure {
            session = nil
            throw failure
        }
        guard rendered.code >= 0, Self.errorName(rendered.output) == nil else {
            session = nil
            throw FaxError(
                .corruptDocument,
                "the PDF broke on page \(sink.pages + 1) of \(expected): \(Self.diagnosis(rendered.output))")
        }
        guard sink.pages == expected else {
            session = nil
            throw FaxError(.corruptDocument, "only \(sink.pages) of the PDF's \(expected) pages could be rendered")
        }
    }

    private func renderPostScript(_ request: RenderRequest, sink: PageSink) throws(FaxError) {
        var request = request
        request.input = Self.resolved(request.input)
        let gs = try interpreter(for: request)
        // A PostScript program can change the interpreter's state for good: never reuse it.
        defer { session = nil }
        gs.permitReading(request.input)
        gs.onPage = { [unowned sink] page in sink.accept(page) }
        var result = gs.run(Self.guarded("\(PostScript.string(request.input)) run"))
        sink.drain()
        // An EPS file draws one page and, as EPS should, never shows it.
        if sink.pages == 0, sink.failure == nil, Self.errorName(result.output) == nil, result.code >= 0,
            Self.isEncapsulated(request.input)
        {
            result = gs.run(Self.guarded("showpage"))
            sink.drain()
        }
        gs.onPage = nil
        if let failure = sink.failure { throw failure }
        if let name = Self.errorName(result.output) {
            if name == "/VMerror" { throw FaxError(.conversionFailed, "the PostScript program ran out of memory") }
            if Self.isRefusedFileAccess(name, result.output) {
                throw FaxError(
                    .conversionFailed,
                    "the PostScript program tried to open, list, change or run a file outside its own job, which is refused: \(Self.diagnosis(result.output))"
                )
            }
            throw FaxError(.corruptDocument, "PostScript error \(name): \(Self.diagnosis(result.output))")
        }
        guard result.code >= 0 || result.code == -101 else {
            throw FaxError(.corruptDocument, "the PostScript program failed: \(Self.diagnosis(result.output))")
        }
    }

    /// Whether a PostScript file says it is EPS on its first line (`%!PS-Adobe-3.0 EPSF-3.0`).
    static func isEncapsulated(_ path: String) -> Bool {
        guard let head = try? AtomicFile.read(path, limit: 256) else { return false }
        return String(decoding: head.prefix(while: { $0 != 0x0A && $0 != 0x0D }), as: UTF8.self).contains("EPSF")
    }

    private func renderText(_ request: RenderRequest, sink: PageSink) throws(FaxError) {
        let bytes: [UInt8]
        do {
            bytes = try AtomicFile.read(request.input, limit: Int(request.maxBytes))
        } catch {
            throw FaxError(.conversionFailed, "cannot read the document: \(error)")
        }
        let document = TextDocument(bytes: bytes, paper: request.paper, resolution: request.resolution)
        guard document.pages.count <= request.maxPages else {
            throw Self.tooManyPages(document.pages.count, request.maxPages)
        }
        let gs = try interpreter(for: request)
        gs.countJob()
        gs.onPage = { [unowned sink] page in sink.accept(page) }
        defer { gs.onPage = nil }
        let result = gs.run(Self.guarded(document.postScript(paper: request.paper, resolution: request.resolution)))
        sink.drain()
        if let failure = sink.failure {
            session = nil
            throw failure
        }
        guard result.code >= 0, Self.errorName(result.output) == nil, sink.pages == document.pages.count else {
            session = nil
            throw FaxError(.conversionFailed, "the text could not be typeset: \(Self.diagnosis(result.output))")
        }
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
