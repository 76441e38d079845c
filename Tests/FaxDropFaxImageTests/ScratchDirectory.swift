import Foundation
import XCTest

extension XCTestCase {
    /// A fresh folder `prefix-<uuid>` in the temporary directory, removed when the test ends.
    func makeScratchDirectory(_ prefix: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory
    }
}
