import FaxDropCore
import FaxDropRenderClient
import Foundation
import Logging

/// `faxdrop-render-bench --sandbox-compare ROUNDS`: the cost of the renderer sandbox
/// (issue 9). Two pools of one worker each, one confined (the default) and one with
/// `FAXDROP_RENDER_SANDBOX=off`, render every corpus document (PDFs and images) one at a
/// time, alternating which pool goes first, for ROUNDS rounds in the same run; then a batch
/// of the one-page letter on each. Prints the total render time of each and the ratio.
func compareSandbox(corpus: String, rounds: Int, executable: String, logger: Logger) async throws {
    let scratch = NSTemporaryDirectory() + "faxdrop-bench-sandbox-\(getpid())"
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let on = RenderPool(executable: executable, workers: 1, timeout: .seconds(600), logger: logger)
    let off = RenderPool(
        executable: executable, workers: 1, timeout: .seconds(600), logger: logger,
        environment: ["FAXDROP_RENDER_SANDBOX": "off"])
    let files = ["pdf", "images"].flatMap { folder in
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(corpus)/\(folder)")) ?? []).sorted()
            .map { "\(corpus)/\(folder)/\($0)" }
    }
    let clock = ContinuousClock()
    func time(_ pool: RenderPool, _ input: String, _ tag: String) async -> (Duration, RenderReply) {
        let start = clock.now
        let reply = await pool.render(
            RenderRequest(id: tag, input: input, output: "\(scratch)/\(tag).tif", maxPages: 10_000, maxBytes: 1 << 30),
            logger: logger)
        return (start.duration(to: clock.now), reply)
    }
    // Warm both: each worker starts its Ghostscript once, as in the daemon.
    let letter = "\(corpus)/pdf/23-onepage-letter.pdf"
    _ = await time(on, letter, "warm-on")
    _ = await time(off, letter, "warm-off")

    var totalOn = Duration.zero
    var totalOff = Duration.zero
    var pages = 0
    var mismatches: [String] = []
    for round in 0..<rounds {
        for (index, file) in files.enumerated() {
            let onFirst = (round + index) % 2 == 0
            var a: (Duration, RenderReply)
            var b: (Duration, RenderReply)
            if onFirst {
                a = await time(on, file, "on")
                b = await time(off, file, "off")
            } else {
                b = await time(off, file, "off")
                a = await time(on, file, "on")
            }
            totalOn += a.0
            totalOff += b.0
            if round == 0 { pages += a.1.pages }
            if a.1.pages != b.1.pages || a.1.error?.code != b.1.error?.code {
                mismatches.append(URL(fileURLWithPath: file).lastPathComponent)
            }
        }
    }
    let batch = 50
    var batchOn = Duration.zero
    var batchOff = Duration.zero
    for n in 0..<batch {
        batchOn += await time(on, letter, "b-on-\(n)").0
        batchOff += await time(off, letter, "b-off-\(n)").0
    }
    await on.shutdown()
    await off.shutdown()
    func s(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
    say(
        "renderer sandbox: \(files.count) corpus documents (\(pages) pages) × \(rounds) rounds, one worker per pool, same run"
    )
    say(String(format: "  sandbox on  (fork + Landlock per job): %.2f s", s(totalOn)))
    say(String(format: "  sandbox off (FAXDROP_RENDER_SANDBOX=off): %.2f s", s(totalOff)))
    say(String(format: "  ratio on/off: %.3f×", s(totalOn) / s(totalOff)))
    say(
        String(
            format: "  one-page letter ×%d: on %.1f ms/job, off %.1f ms/job (+%.1f ms per job)", batch,
            s(batchOn) / Double(batch) * 1000, s(batchOff) / Double(batch) * 1000,
            (s(batchOn) - s(batchOff)) / Double(batch) * 1000))
    say(
        "  outcomes that differ between on and off: \(mismatches.isEmpty ? "none" : mismatches.joined(separator: ", "))"
    )
}
