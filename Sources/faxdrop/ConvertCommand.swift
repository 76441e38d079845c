import ArgumentParser
import FaxDropCore
import FaxDropDaemon
import FaxDropFaxImage
import Foundation

struct ConvertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Render a document to a TIFF Class F fax image with the daemon's renderer (a preview).")

    @OptionGroup var common: CommonOptions

    @Argument(help: "The document: PDF, PostScript, TIFF, JPEG, PNG or UTF-8 text.")
    var input: String

    @Argument(help: "The fax image to write (.tif).")
    var output: String

    @Option(help: "fine (204x196 dpi) or normal (204x98).")
    var resolution: Resolution?

    @Option(help: "letter or a4.")
    var paper: Paper?

    func run() async throws {
        var configuration = try common.load()
        configuration.renderWorkers = 1
        let logger = configuration.makeLogger(label: "faxdrop-convert")
        let absolute = { (path: String) in
            path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        }
        let findings = DocumentInspector.inspect(absolute(input), maxBytes: configuration.maxBytes)
        if let error = findings.error { throw fail(error) }
        let renderer = RenderPoolService(configuration, logger: logger)
        let request = RenderRequest(
            id: "convert", input: absolute(input), output: absolute(output),
            resolution: resolution ?? configuration.resolution, paper: paper ?? configuration.paper,
            maxPages: configuration.maxPages, maxBytes: configuration.maxBytes,
            trimBlankTail: configuration.trimBlankTail)
        let reply = await renderer.render(request, logger: logger)
        await renderer.stop()
        if let failure = reply.error { throw fail(FaxError(failure.code, failure.message)) }
        let pages = (try? FaxImage.inspect(request.output).count) ?? 0
        guard pages == reply.pages, pages > 0 else {
            throw fail(FaxError(.conversionFailed, "the renderer reported \(reply.pages) pages but wrote \(pages)"))
        }
        print(pages)
    }

    private func fail(_ error: FaxError) -> ExitCode {
        printError("error: \(error.code.rawValue): \(error.message)")
        return ExitCode(1)
    }
}

extension Resolution: ExpressibleByArgument {}
extension Paper: ExpressibleByArgument {}
