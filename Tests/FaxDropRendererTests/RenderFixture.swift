import FaxDropRenderClient
import Foundation
import XCTest

/// One document written into a fresh scratch folder, and a pool of the real `faxdrop-render`
/// workers to render it; skips the test when the worker is not built.
struct RenderFixture {
    let dir: String
    let input: String
    let pool: RenderPool

    /// PostScript that never ends: a worker rendering it stays busy until it is killed.
    static let endlessLoop = Data("%!PS\n{} loop\n".utf8)

    init(_ test: XCTestCase, input name: String, _ contents: Data, workers: Int = 1, timeout: Duration = .seconds(60))
        throws
    {
        try RenderTestSupport.checkExecutable()
        dir = try RenderTestSupport.scratch(test)
        input = "\(dir)/\(name)"
        try writeFile(input, contents)
        pool = RenderTestSupport.makePool(workers: workers, timeout: timeout)
    }
}
