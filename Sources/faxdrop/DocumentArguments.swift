import ArgumentParser
import FaxDropCore
import FaxDropDaemon
import Foundation
import Logging

/// `--spool`, `--config` and the document, for the commands that render one document once
/// with the daemon's renderer (`convert`, `receive-test`).
struct DocumentArguments: ParsableArguments {
    @OptionGroup var common: CommonOptions

    @Argument(help: "The document: PDF, PostScript, TIFF, JPEG, PNG or UTF-8 text.")
    var input: String

    /// Renders the document to the fax image `output` with a one-worker pool of the daemon's
    /// renderer, after the checks the daemon makes on a dropped file. Throws the error that
    /// refused the document, the inspector's or the renderer's.
    func render(
        to output: String, id: String, _ configuration: Configuration, resolution: Resolution, paper: Paper,
        logger: Logger
    ) async throws(FaxError) -> RenderReply {
        let input = absolutePath(input)
        if let error = DocumentInspector.inspect(input, maxBytes: configuration.maxBytes).error { throw error }
        var oneWorker = configuration
        oneWorker.renderWorkers = 1
        let renderer = RenderPoolService(oneWorker, logger: logger)
        let request = RenderRequest(
            id: id, input: input, output: output, resolution: resolution, paper: paper,
            maxPages: configuration.maxPages, maxBytes: configuration.maxBytes,
            trimBlankTail: configuration.trimBlankTail)
        let reply = await renderer.render(request, logger: logger)
        await renderer.stop()
        if let failure = reply.error { throw FaxError(failure.code, failure.message) }
        return reply
    }
}

/// `--resolution` and `--paper`: the fax's page format, the gateway's own when not given.
struct PageOptions: ParsableArguments {
    @Option(help: "fine (204x196 dpi) or normal (204x98) (default: the gateway's FAXDROP_RESOLUTION).")
    var resolution: Resolution?

    @Option(help: "letter or a4 (default: the gateway's FAXDROP_PAPER).")
    var paper: Paper?
}

extension Resolution: ExpressibleByArgument {}
extension Paper: ExpressibleByArgument {}

/// `path` taken from the working folder when it is relative.
func absolutePath(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
}
