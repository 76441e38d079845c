import FaxDropCore
import Logging

/// Renders a claimed document to a TIFF Class F file. In the daemon this is the pool of
/// `faxdrop-render` worker processes (SPEC §9).
public protocol DocumentRenderer: Sendable {
    func render(_ request: RenderRequest, logger: Logger) async -> RenderReply
}
