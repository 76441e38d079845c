import FaxDropCore
import FaxDropFaxImage
import FaxDropSystem
import Foundation
import Logging

/// Puts the cover page in front of a rendered document: FaxDrop writes the cover as a PDF
/// in the job's folder, a renderer worker renders it like any document (the daemon never
/// links Ghostscript), and the two fax images are joined, compressed data as it is. The
/// page count on the cover is the rendered document's, from its render reply, plus one.
/// An office's letterhead, if set, is drawn under the rendered cover (`Letterhead`).
enum CoverStep {
    static let pdfName = "cover.pdf"
    static let imageName = "cover.tif"
    static let joinedName = "fax-with-cover.tif"

    static func prepend(
        _ template: CoverPage, request: RenderRequest, reply: RenderReply, renderer: any DocumentRenderer,
        letterhead: Letterhead? = nil, folder: String, logger: Logger
    ) async -> RenderReply {
        func failure(_ message: String) -> RenderReply {
            logger.warning("cover page failed", metadata: ["message": "\(message)"])
            return RenderReply(
                id: reply.id, format: reply.format, pages: 0, pageBytes: [], seconds: reply.seconds,
                error: .init(code: .conversionFailed, message: message))
        }
        guard reply.error == nil, reply.pages > 0 else { return reply }
        let documentPages = reply.pages
        // The letterhead first: when it renders, the cover leaves its band free.
        let lettered = await letterhead?.render(request: request, renderer: renderer, folder: folder, logger: logger)
        defer { if let image = lettered?.image { try? Syscall.unlink(image) } }
        var cover = template
        cover.pages = documentPages + 1
        if lettered?.image != nil { cover.letterheadBand = CoverPage.letterheadBandPoints }
        let pdf = folder + "/" + pdfName
        let image = folder + "/" + imageName
        let joined = folder + "/" + joinedName
        do {
            try AtomicFile.write(cover.pdf(), to: pdf, stagingDirectory: folder, durable: false)
        } catch {
            return failure("the cover page could not be written: \(error)")
        }
        var coverRequest = request
        coverRequest.input = pdf
        coverRequest.output = image
        coverRequest.trimBlankTail = false
        coverRequest.format = .pdf  // FaxDrop wrote it
        let coverReply = await renderer.render(coverRequest, logger: logger)
        if let error = coverReply.error {
            return failure("the cover page could not be rendered: \(error.message)")
        }
        if let letterhead, let under = lettered?.image {
            let resolution = request.resolution
            _ = try? await BlockingWork.run {
                letterhead.draw(under, beneath: image, resolution: resolution, folder: folder, logger: logger)
            }
        }
        let letterheadSeconds = lettered?.seconds ?? 0
        let output = request.output
        do {
            let pages = try await BlockingWork.run {
                let pages = try FaxImage.concatenate([image, output], to: joined)
                try Syscall.rename(joined, output)
                return pages
            }
            try? Syscall.unlink(image)
            try? Syscall.unlink(pdf)
            logger.debug("cover page added", metadata: ["pages": "\(pages.count)"])
            return RenderReply(
                id: reply.id, format: reply.format, pages: pages.count, pageBytes: pages.map(\.encodedBytes),
                seconds: reply.seconds + coverReply.seconds + letterheadSeconds, error: nil)
        } catch {
            try? Syscall.unlink(joined)
            return failure("the cover page could not be joined to the document: \(error)")
        }
    }
}
