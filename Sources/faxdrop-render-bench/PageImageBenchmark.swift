import FaxDropCore
import FaxDropFaxImage
import FaxDropRenderClient
import Foundation
import Logging

/// `faxdrop-render-bench --page-images ROUNDS`: the cost of showing a sent fax (issue 11).
/// Corpus documents are rendered once to fax TIFFs (fine and normal resolution) by the pool;
/// then every page is drawn as a full-size PNG and as a console thumbnail (216 px), ROUNDS
/// times, timing each call. Prints per kind: pages drawn, mean and p95 milliseconds per
/// page, mean PNG bytes; then this process's peak RSS.
func benchmarkPageImages(corpus: String, rounds: Int, executable: String, logger: Logger) async throws {
    let scratch = NSTemporaryDirectory() + "faxdrop-bench-pages-\(getpid())"
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let pool = RenderPool(executable: executable, workers: 1, timeout: .seconds(600), logger: logger)
    var images: [(String, Int)] = []
    for name in ["23-onepage-letter.pdf", "12-octave-refcard-legal.pdf", "27-scan-ccitt-forms-only.pdf"] {
        for resolution in [Resolution.fine, .normal] {
            let output = "\(scratch)/\(name)-\(resolution.rawValue).tif"
            let reply = await pool.render(
                RenderRequest(id: name, input: "\(corpus)/pdf/\(name)", output: output, resolution: resolution),
                logger: logger)
            if let error = reply.error { throw FaxError(error.code, "\(name): \(error.message)") }
            images.append((output, try FaxPagePNG.pageCount(tiff: output)))
        }
    }
    await pool.shutdown()

    let clock = ContinuousClock()
    for (kind, width) in [("full size", nil), ("thumbnail 216", 216)] as [(String, Int?)] {
        var milliseconds: [Double] = []
        var bytes = 0
        for _ in 0..<rounds {
            for (path, pages) in images {
                for page in 0..<pages {
                    let start = clock.now
                    let png = try FaxPagePNG.render(tiff: path, page: page, maxWidth: width)
                    let elapsed = start.duration(to: clock.now)
                    milliseconds.append(
                        Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
                    bytes += png.count
                }
            }
        }
        milliseconds.sort()
        let mean = milliseconds.reduce(0, +) / Double(milliseconds.count)
        let p95 = milliseconds[min(milliseconds.count - 1, Int(Double(milliseconds.count) * 0.95))]
        print(
            "\(kind): \(milliseconds.count) pages, mean \(String(format: "%.1f", mean)) ms, "
                + "p95 \(String(format: "%.1f", p95)) ms, mean PNG \(bytes / milliseconds.count / 1024) KiB")
    }
    print("peak RSS of this process: \(String(format: "%.1f", selfPeakRSSMB())) MiB")
}
