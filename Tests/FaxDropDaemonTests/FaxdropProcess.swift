import FaxDropTestSupport
import Foundation
import XCTest

extension XCTestCase {
    /// Starts the built `faxdrop run --spool <spool>` with `environment` over the test's own;
    /// SIGTERM'd and waited for when the test ends, if it still runs.
    func runFaxdrop(_ spool: TestSpool, _ environment: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: PackagePaths.executable("faxdrop"))
        process.arguments = ["run", "--spool", spool.root]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        try process.run()
        addTeardownBlock {
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
        }
        return process
    }
}
