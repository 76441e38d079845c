import Foundation

/// The `tesseract` command (Debian `tesseract-ocr`, `tesseract-ocr-eng`), run on image files.
struct Tesseract {
    let path: String

    init() throws {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        guard let dir = dirs.first(where: { FileManager.default.isExecutableFile(atPath: "\($0)/tesseract") }) else {
            throw Missing()
        }
        path = "\(dir)/tesseract"
    }

    /// The text of each image, read with English at `dpi`, one `tesseract` per core at a time.
    func read(_ images: [String], dpi: Int) -> [String] {
        let texts = Texts(count: images.count)
        DispatchQueue.concurrentPerform(iterations: images.count) { i in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = [images[i], "stdout", "--dpi", "\(dpi)", "-l", "eng"]
            // One thread each: the processes run side by side instead.
            process.environment = ["OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { return }
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            texts.set(i, String(decoding: data, as: UTF8.self))
        }
        return texts.all
    }

    /// Whitespace runs folded to one space, for matching values that span words.
    static func normalized(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    struct Missing: Error, CustomStringConvertible {
        var description: String {
            "tesseract is missing: scripts/install-deps.sh installs tesseract-ocr and tesseract-ocr-eng"
        }
    }

    private final class Texts: @unchecked Sendable {
        private let lock = NSLock()
        private var texts: [String]
        init(count: Int) { texts = Array(repeating: "", count: count) }
        func set(_ i: Int, _ text: String) { lock.withLock { texts[i] = text } }
        var all: [String] { lock.withLock { texts } }
    }
}
