import FaxDropCore
import FaxDropFaxImage
import FaxDropSystem
import Foundation
import Logging

/// Renders a job of several documents as one fax: each further document is rendered by a
/// renderer worker like the first, to its own image (`document-2.tif`, …), and the images
/// are joined in order behind the first, compressed data as it is. A failure names the
/// document it came from and keeps its code; the page limit holds for the whole fax.
enum DocumentsStep {
    static let joinedName = "fax-joined.tif"

    static func append(
        _ more: [JobDocument], request: RenderRequest, reply: RenderReply, renderer: any DocumentRenderer,
        folder: String, firstName: String, logger: Logger
    ) async -> RenderReply {
        func failure(_ code: ErrorCode, _ n: Int, _ name: String, _ message: String, seconds: Double) -> RenderReply {
            logger.warning("document failed", metadata: ["document": "\(n)", "code": "\(code.rawValue)"])
            return RenderReply(
                id: reply.id, format: reply.format, pages: 0, pageBytes: [], seconds: seconds,
                error: .init(code: code, message: Engine.naming(n, name, message)))
        }
        if let error = reply.error { return failure(error.code, 1, firstName, error.message, seconds: reply.seconds) }
        var images = [request.output]
        var seconds = reply.seconds
        defer { for image in images.dropFirst() { try? Syscall.unlink(image) } }
        for (i, document) in more.enumerated() {
            var next = request
            next.input = folder + "/" + document.file
            next.output = folder + "/" + document.file + ".tif"
            next.format = document.format  // this document's own, found when the job was taken
            let rendered = await renderer.render(next, logger: logger)
            seconds += rendered.seconds
            if let error = rendered.error {
                try? Syscall.unlink(next.output)
                return failure(error.code, i + 2, document.originalName, error.message, seconds: seconds)
            }
            images.append(next.output)
        }
        let joined = folder + "/" + joinedName
        do {
            let sources = images
            let pages = try await BlockingWork.run { try FaxImage.concatenate(sources, to: joined) }
            guard pages.count <= request.maxPages else {
                try? Syscall.unlink(joined)
                return RenderReply(
                    id: reply.id, format: reply.format, pages: 0, pageBytes: [], seconds: seconds,
                    error: .init(
                        code: .tooManyPages,
                        message:
                            "the \(images.count) documents have \(pages.count) pages together; at most \(request.maxPages) are sent (FAXDROP_MAX_PAGES)"
                    ))
            }
            try Syscall.rename(joined, request.output)
            logger.debug("documents joined", metadata: ["documents": "\(images.count)", "pages": "\(pages.count)"])
            return RenderReply(
                id: reply.id, format: reply.format, pages: pages.count, pageBytes: pages.map(\.encodedBytes),
                seconds: seconds,
                error: nil)
        } catch {
            try? Syscall.unlink(joined)
            return RenderReply(
                id: reply.id, format: reply.format, pages: 0, pageBytes: [], seconds: seconds,
                error: .init(
                    code: .conversionFailed, message: "the documents could not be joined into one fax: \(error)"))
        }
    }
}
