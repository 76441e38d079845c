import FaxDropCore
import Foundation
import Logging

/// The steps that turn a job's documents into the fax the recipient gets: the first
/// document rendered by a renderer worker, the further ones rendered and joined behind it
/// (`DocumentsStep`), then the cover page, with its letterhead, in front (`CoverStep`).
/// The engine renders every job through here, and the console's preview does too, so a
/// preview shows exactly the pages that will be sent.
enum JobRenderSteps {
    static func render(
        _ request: RenderRequest, more: [JobDocument], firstName: String, cover: CoverPage?, letterhead: Letterhead?,
        renderer: any DocumentRenderer, folder: String, logger: Logger
    ) async -> RenderReply {
        var reply = await renderer.render(request, logger: logger)
        if !more.isEmpty {
            reply = await DocumentsStep.append(
                more, request: request, reply: reply, renderer: renderer, folder: folder, firstName: firstName,
                logger: logger)
        }
        if reply.error == nil, let cover {
            reply = await CoverStep.prepend(
                cover, request: request, reply: reply, renderer: renderer, letterhead: letterhead, folder: folder,
                logger: logger)
        }
        return reply
    }
}

extension Engine.Settings {
    /// The cover page of a job with these options for `recipient`, its page count still to
    /// be set; `nil` when the job has none (its options, else `FAXDROP_COVER`).
    func coverTemplate(
        options: JobOptions?, recipient: String, recipientName: String?, fax: Sidecar.Fax, date: Date
    ) -> CoverPage? {
        guard options?.cover ?? cover else { return nil }
        return CoverPage(
            organisation: fax.header, senderName: coverSender, stationID: fax.localStationID,
            recipientName: recipientName, recipientNumber: recipient, date: date, pages: 0,
            subject: options?.subject, note: options?.note ?? [], notice: coverNotice, paper: fax.paper)
    }
}
