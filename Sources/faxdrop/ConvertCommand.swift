import ArgumentParser
import FaxDropCore
import FaxDropFaxImage
import Foundation

struct ConvertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Render a document to a TIFF Class F fax image with the daemon's renderer (a preview).")

    @OptionGroup var document: DocumentArguments

    @Argument(help: "The fax image to write (.tif).")
    var output: String

    @OptionGroup var page: PageOptions

    func run() async throws {
        let configuration = try document.common.load()
        let logger = configuration.makeLogger(label: "faxdrop-convert")
        let output = absolutePath(output)
        let reply: RenderReply
        do throws(FaxError) {
            reply = try await document.render(
                to: output, id: "convert", configuration, resolution: page.resolution ?? configuration.resolution,
                paper: page.paper ?? configuration.paper, logger: logger)
        } catch {
            throw fail(error)
        }
        let pages = (try? FaxImage.inspect(output).count) ?? 0
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
