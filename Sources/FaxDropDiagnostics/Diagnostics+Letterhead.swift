import FaxDropCore
import FaxDropDaemon
import FaxDropFaxImage
import FaxDropRenderClient
import FaxDropSystem
import Foundation
import Logging

extension Diagnostics {
    /// `FAXDROP_COVER_LETTERHEAD`, checked as a cover page uses it: a file, a PDF, and one
    /// page once the renderer worker has rendered it. A bad one is a warning, not a problem:
    /// faxes still go, their covers without it.
    func letterhead() async -> Finding? {
        guard let path = configuration.coverLetterhead else { return nil }
        func leftOut(_ why: String) -> Finding {
            Finding("letterhead", .warning, "FAXDROP_COVER_LETTERHEAD: \(why); cover pages are made without it")
        }
        if let problem = Letterhead.fileProblem(path, maxBytes: configuration.maxBytes) { return leftOut(problem) }
        var logger = Logger(label: "faxdrop.check")
        logger.logLevel = .critical
        let pool = RenderPool(
            executable: configuration.renderer ?? executableDirectory + "/faxdrop-render", workers: 1,
            timeout: .seconds(60),
            logger: logger)
        let output =
            Spool(root: configuration.spool).tmp + "/.check-letterhead-\(UInt32.random(in: 0...UInt32.max)).tif"
        defer { try? Syscall.unlink(output) }
        let reply = await pool.render(
            RenderRequest(
                id: "letterhead", input: path, output: output, resolution: configuration.resolution,
                paper: configuration.paper,
                maxPages: 1, maxBytes: configuration.maxBytes),
            logger: logger)
        await pool.shutdown()
        if let error = reply.error {
            return leftOut(
                error.code == .tooManyPages
                    ? "\(path.debugDescription) has more than one page"
                    : "\(path.debugDescription) cannot be rendered (\(error.code.rawValue)): \(error.message)")
        }
        return Finding("letterhead", .ok, "\(path.debugDescription): one page, drawn under the cover's fields")
    }
}
