import FaxDropCore
import FaxDropFaxImage
import FaxDropSystem
import Foundation
import Logging
import Synchronization

/// An office's letterhead under the cover page's fields (`FAXDROP_COVER_LETTERHEAD`): a
/// one-page PDF. FaxDrop never parses it: a copy goes into the job's folder, a renderer
/// worker renders it like any document (confined, page limit 1), and its bilevel page is
/// drawn under the rendered cover, black winning (`FaxImage.overlay`); the cover keeps a
/// band of 30 mm at the top free for it (its fields begin below). A letterhead that is
/// missing, unreadable, no PDF, not one page or unrenderable is left out: the cover is made
/// without it, and the problem is logged once per distinct problem (`faxdrop check` reports
/// it too). It never fails a fax.
public final class Letterhead: Sendable {
    public let path: String
    private let reported = Mutex<Set<String>>([])

    static let pdfName = "letterhead.pdf"
    static let imageName = "letterhead.tif"
    static let joinedName = "cover-lettered.tif"

    public init(path: String) {
        self.path = path
    }

    /// Why the letterhead file cannot be used, without rendering it, or `nil`.
    public static func fileProblem(_ path: String, maxBytes: Int64) -> String? {
        let status: FileStatus?
        do {
            status = try Syscall.statIfExists(path)
        } catch {
            return "\(path.debugDescription) cannot be examined: \(error)"
        }
        guard let status else { return "\(path.debugDescription) does not exist" }
        guard status.kind == .regular else {
            return "\(path.debugDescription) is a \(status.kind.rawValue), not a file"
        }
        guard status.size <= maxBytes else { return "\(path.debugDescription) is larger than \(maxBytes) bytes" }
        guard let head = try? AtomicFile.read(path, limit: Int(maxBytes)).prefix(16) else {
            return "\(path.debugDescription) cannot be read"
        }
        guard DocumentFormat.sniff(head) == .pdf else { return "\(path.debugDescription) is not a PDF" }
        return nil
    }

    /// Renders the letterhead for a cover of `request`'s resolution and paper: the image's
    /// path, or `nil` (logged once) when it is left out; and the renderer's seconds.
    func render(
        request: RenderRequest, renderer: any DocumentRenderer, folder: String, logger: Logger
    ) async -> (image: String?, seconds: Double) {
        let pdf = folder + "/" + Self.pdfName
        let image = folder + "/" + Self.imageName
        defer { try? Syscall.unlink(pdf) }
        if let problem = Self.fileProblem(path, maxBytes: request.maxBytes) {
            report(problem, logger)
            return (nil, 0)
        }
        do {
            // A copy, so the file rendered is the file checked.
            let bytes = try AtomicFile.read(path, limit: Int(request.maxBytes))
            guard DocumentFormat.sniff(bytes.prefix(16)) == .pdf else {
                report("\(path.debugDescription) is not a PDF", logger)
                return (nil, 0)
            }
            try AtomicFile.write(bytes, to: pdf, stagingDirectory: folder, durable: false)
        } catch {
            report("\(path.debugDescription) cannot be read: \(error)", logger)
            return (nil, 0)
        }
        var letterhead = request
        letterhead.input = pdf
        letterhead.output = image
        letterhead.maxPages = 1
        letterhead.trimBlankTail = false
        letterhead.format = .pdf  // checked above
        let reply = await renderer.render(letterhead, logger: logger)
        if let error = reply.error {
            try? Syscall.unlink(image)
            let why = error.code == .tooManyPages ? "has more than one page" : "cannot be rendered: \(error.message)"
            report("\(path.debugDescription) \(why)", logger)
            return (nil, reply.seconds)
        }
        return (image, reply.seconds)
    }

    /// Draws the rendered letterhead `image` under the rendered cover at `cover`, in place.
    /// On failure (logged once) the cover stays as it was.
    func draw(_ image: String, beneath cover: String, resolution: Resolution, folder: String, logger: Logger) {
        let joined = folder + "/" + Self.joinedName
        do {
            try FaxImage.overlay(cover, onto: image, resolution: resolution, to: joined)
            try Syscall.rename(joined, cover)
        } catch {
            try? Syscall.unlink(joined)
            report("\(path.debugDescription) cannot be drawn under the cover: \(error)", logger)
        }
    }

    /// Logs `problem` the first time it is seen.
    private func report(_ problem: String, _ logger: Logger) {
        let first = reported.withLock { $0.insert(problem).inserted }
        guard first else { return }
        logger.warning(
            "the cover letterhead is left out (FAXDROP_COVER_LETTERHEAD); covers are made without it",
            metadata: ["problem": "\(problem)"])
    }
}
