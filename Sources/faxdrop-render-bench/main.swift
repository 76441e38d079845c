// faxdrop-render-bench: the rendering benchmark of issue 3 (not a test; a command in the README).
//
//   swift build -c release
//   .build/release/faxdrop-render-bench [--corpus ../shared/corpus] [--ocr-pages 3] [--batch 100]
//   .build/release/faxdrop-render-bench --sandbox-compare 3    (renderer sandbox on vs off only)
//   .build/release/faxdrop-render-bench --page-images 5        (fax pages drawn as PNG only)
//
// Renders every corpus document through the daemon's path (RenderPool → faxdrop-render
// workers) and with the Ghostscript CLI (`gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=tiffg4
// -r204x196` with the same page-fit arguments), then prints per document: pages, pages/s,
// encoded bytes per page, OCR word recall (tesseract on pages read back at square pixels,
// against pdftotext's text of the same page), and our/CLI ratios of time, bytes and recall.
// Then a batch of one-page PDFs through the pool against as many `gs` processes, and the
// peak RSS of this process (the daemon side) and of the workers.
//
// Needs the Debian packages ghostscript, poppler-utils, tesseract-ocr, tesseract-ocr-eng.
import FaxDropCore
import FaxDropFaxImage
import FaxDropRenderClient
import FaxDropSystem
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

struct Options {
    var corpus = "../shared/corpus"
    var ocrPages = 3
    var batch = 100
    var workers = ProcessInfo.processInfo.activeProcessorCount
    /// `--sandbox-compare ROUNDS`: only the sandbox on/off comparison (SandboxComparison.swift).
    var sandboxRounds: Int?
    /// `--page-images ROUNDS`: only the page-to-PNG timing (PageImageBenchmark.swift).
    var pageImageRounds: Int?

    static func parse() -> Options {
        var o = Options()
        var args = Array(CommandLine.arguments.dropFirst())
        while !args.isEmpty {
            let flag = args.removeFirst()
            guard let value = args.first else { break }
            switch flag {
            case "--corpus": o.corpus = value
            case "--ocr-pages": o.ocrPages = Int(value) ?? o.ocrPages
            case "--batch": o.batch = Int(value) ?? o.batch
            case "--workers": o.workers = Int(value) ?? o.workers
            case "--sandbox-compare": o.sandboxRounds = Int(value)
            case "--page-images": o.pageImageRounds = Int(value)
            default: continue
            }
            args.removeFirst()
        }
        return o
    }
}

/// Runs a program (through `ChildProcess`), returning its stdout; stderr is discarded.
@discardableResult
func run(_ executable: String, _ arguments: [String]) -> (status: Int32, output: String) {
    guard let ran = try? ChildProcess.run([executable] + arguments, environment: ProcessInfo.processInfo.environment)
    else { return (-1, "") }
    let status: Int32 = if case .exited(let code) = ran.termination { code } else { -1 }
    return (status, String(decoding: ran.output, as: UTF8.self))
}

/// Prints a line at once (stdout to a file is block-buffered).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func which(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

/// Words of a text, lowercased, letters and digits only, two characters or more.
func words(_ text: String) -> [String] {
    text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init).filter { $0.count >= 2 }
}

/// Share of the reference's words (as a multiset) found in the OCR text.
func recall(reference: [String], ocr: [String]) -> Double? {
    guard !reference.isEmpty else { return nil }
    var available: [String: Int] = [:]
    for w in ocr { available[w, default: 0] += 1 }
    var hits = 0
    for w in reference where (available[w] ?? 0) > 0 {
        available[w]! -= 1
        hits += 1
    }
    return Double(hits) / Double(reference.count)
}

/// Writes a fax page as a PGM with square pixels (rows repeated to 204 dpi down),
/// optionally turned a quarter (landscape pages were turned to portrait for the fax).
func writeSquarePGM(_ bitmap: FaxBitmap, verticalDPI: Double, turn: Int, to path: String) throws {
    let height = Int((Double(bitmap.height) * 204 / verticalDPI).rounded())
    func black(_ x: Int, _ y: Int) -> Bool {
        bitmap.isBlack(x: x, y: min(bitmap.height - 1, Int(Double(y) * verticalDPI / 204)))
    }
    let (w, h) = turn == 0 ? (bitmap.width, height) : (height, bitmap.width)
    var data = Data("P5\n\(w) \(h)\n255\n".utf8)
    var row = [UInt8](repeating: 255, count: w)
    for y in 0..<h {
        for x in 0..<w {
            let on: Bool
            switch turn {
            case 0: on = black(x, y)
            case 1: on = black(bitmap.width - 1 - y, x)  // page was turned counter-clockwise
            default: on = black(y, height - 1 - x)  // page was turned clockwise
            }
            row[x] = on ? 0 : 255
        }
        data.append(contentsOf: row)
    }
    try data.write(to: URL(fileURLWithPath: path))
}

/// OCR word recall of some pages of a fax TIFF against the PDF's own text of those pages.
func ocrRecall(tiff: String, pdf: String, pages: [Int], scratch: String, tesseract: String, pdftotext: String)
    -> Double?
{
    var reference: [String] = []
    var ocr: [String] = []
    guard let infos = try? FaxImage.inspect(tiff) else { return nil }
    for page in pages where page < infos.count {
        let text = run(pdftotext, ["-q", "-f", "\(page + 1)", "-l", "\(page + 1)", "-layout", pdf, "-"]).output
        let pageWords = words(text)
        if pageWords.isEmpty { continue }
        guard let bitmap = try? FaxImage.readBitmap(tiff, page: page) else { continue }
        let image = "\(scratch)/ocr-\(page).pgm"
        // Read upright; a page that reads badly may have been a landscape page turned for
        // the fax: read it turned back both ways and keep the best.
        var best: [String] = []
        var bestRecall = -1.0
        for turn in 0..<3 {
            guard (try? writeSquarePGM(bitmap, verticalDPI: infos[page].verticalDPI, turn: turn, to: image)) != nil
            else { continue }
            let found = words(run(tesseract, [image, "-", "--dpi", "204", "-l", "eng"]).output)
            let r = recall(reference: pageWords, ocr: found) ?? 0
            if r > bestRecall {
                best = found
                bestRecall = r
            }
            if r >= 0.5 { break }
        }
        reference += pageWords
        ocr += best
    }
    return recall(reference: reference, ocr: ocr)
}

/// Peak RSS (VmHWM) in MB of this process's children whose command line contains `needle`.
func peakRSSOfProcesses(matching needle: String) -> [Double] {
    let me = "\(getpid())"
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    var result: [Double] = []
    for pid in entries where Int(pid) != nil {
        guard let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
            String(decoding: cmdline, as: UTF8.self).replacingOccurrences(of: "\0", with: " ").contains(needle),
            let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            status.split(separator: "\n").contains(where: { $0.hasPrefix("PPid:") && $0.hasSuffix("\t\(me)") }),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { continue }
        result.append(kb / 1024)
    }
    return result
}

func selfPeakRSSMB() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
func f(_ x: Double?, _ digits: Int = 2) -> String { x.map { String(format: "%.\(digits)f", $0) } ?? "-" }

let options = Options.parse()
// The two benchmarks of the render workers: the sandbox's cost, and the page images.
let workerBenchmarks: [(rounds: Int?, run: (String, Int, String, Logger) async throws -> Void)] = [
    (options.sandboxRounds, { try await compareSandbox(corpus: $0, rounds: $1, executable: $2, logger: $3) }),
    (options.pageImageRounds, { try await benchmarkPageImages(corpus: $0, rounds: $1, executable: $2, logger: $3) }),
]
for benchmark in workerBenchmarks {
    guard let rounds = benchmark.rounds else { continue }
    var logger = Logger(label: "faxdrop.bench")
    logger.logLevel = .warning
    try await benchmark.run(
        URL(fileURLWithPath: options.corpus).standardizedFileURL.path, rounds,
        ProcessInfo.processInfo.environment["FAXDROP_RENDERER"] ?? RenderPool.defaultExecutable(), logger)
    exit(0)
}
guard let gs = which("gs"), let tesseract = which("tesseract"), let pdftotext = which("pdftotext") else {
    say("needs gs (ghostscript), tesseract (tesseract-ocr, tesseract-ocr-eng) and pdftotext (poppler-utils)")
    exit(1)
}
let corpus = URL(fileURLWithPath: options.corpus).standardizedFileURL.path
let scratch = NSTemporaryDirectory() + "faxdrop-bench-\(getpid())"
try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: scratch) }

var logger = Logger(label: "faxdrop.bench")
logger.logLevel = .warning
let executable = ProcessInfo.processInfo.environment["FAXDROP_RENDERER"] ?? RenderPool.defaultExecutable()
let pool = RenderPool(executable: executable, workers: options.workers, timeout: .seconds(600), logger: logger)
let clock = ContinuousClock()
let fitArguments = ["-g1728x2156", "-dFIXEDMEDIA", "-dPDFFitPage"]

// Warm the pool: every worker's Ghostscript instance is started once, as in the daemon.
await withTaskGroup(of: Void.self) { group in
    for n in 0..<options.workers {
        group.addTask {
            _ = await pool.render(
                RenderRequest(
                    id: "warm-\(n)", input: "\(corpus)/pdf/23-onepage-letter.pdf", output: "\(scratch)/warm-\(n).tif"),
                logger: logger)
        }
    }
}

say("FaxDrop rendering benchmark — \(options.workers) workers, fine letter, corpus \(corpus)")
say(
    "OCR: tesseract on the first \(options.ocrPages) pages with text, read at square pixels, vs pdftotext of the same pages"
)
say("")
say(
    pad("document", 34) + lpad("pages", 6) + lpad("pages/s", 9) + lpad("KB/page", 9) + lpad("recall", 8)
        + " |" + lpad("CLI p/s", 8) + lpad("KB/page", 9) + lpad("recall", 8) + " |" + lpad("time×", 7)
        + lpad("bytes×", 8)
        + lpad("recall×", 8) + "  note")

struct Row {
    var name: String
    var colourOrGray: Bool
    /// Pages whose output differs from the CLI's (pages with gray or colour; a page in
    /// pure black and white comes out bit-identical from both), and their bytes.
    var grayPages = 0
    var grayOurBytes = 0
    var grayCLIBytes = 0
    var pages: Int
    var ourSeconds: Double
    var cliSeconds: Double
    var ourBytes: Int
    var cliBytes: Int
    var ourRecall: Double?
    var cliRecall: Double?
}
var rows: [Row] = []

let documents = ((try? FileManager.default.contentsOfDirectory(atPath: "\(corpus)/pdf")) ?? []).filter {
    $0.hasSuffix(".pdf")
}
.sorted()
for name in documents {
    let input = "\(corpus)/pdf/\(name)"
    let ours = "\(scratch)/\(name).ours.tif"
    let cli = "\(scratch)/\(name).cli.tif"
    let start = clock.now
    let reply = await pool.render(
        RenderRequest(id: name, input: input, output: ours, maxPages: 10_000, maxBytes: 1 << 30), logger: logger)
    let ourSeconds = seconds(start.duration(to: clock.now))
    let cliStart = clock.now
    run(
        gs,
        ["-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=tiffg4", "-r204x196"] + fitArguments + [
            "-sOutputFile=\(cli)", input,
        ])
    let cliSeconds = seconds(cliStart.duration(to: clock.now))
    let cliInfos = (try? FaxImage.inspect(cli)) ?? []
    if let error = reply.error {
        say(
            pad(name, 34) + lpad("-", 6) + lpad("-", 9) + lpad("-", 9) + lpad("-", 8) + " |"
                + lpad(f(Double(cliInfos.count) / cliSeconds, 1), 8) + lpad("-", 9) + lpad("-", 8) + " |" + lpad("", 7)
                + lpad("", 8) + lpad("", 8) + "  \(error.code.rawValue) (CLI wrote \(cliInfos.count) pages)")
        continue
    }
    let pages = Array(0..<min(reply.pages, options.ocrPages))
    let ourRecall = ocrRecall(
        tiff: ours, pdf: input, pages: pages, scratch: scratch, tesseract: tesseract, pdftotext: pdftotext)
    let cliRecall = ocrRecall(
        tiff: cli, pdf: input, pages: pages, scratch: scratch, tesseract: tesseract, pdftotext: pdftotext)
    var grayPages = 0
    var grayOurs = 0
    var grayCLI = 0
    for (index, bytes) in reply.pageBytes.enumerated()
    where index < cliInfos.count && bytes != cliInfos[index].encodedBytes {
        grayPages += 1
        grayOurs += bytes
        grayCLI += cliInfos[index].encodedBytes
    }
    var row = Row(
        name: name, colourOrGray: grayPages * 4 >= reply.pages, pages: reply.pages, ourSeconds: ourSeconds,
        cliSeconds: cliSeconds, ourBytes: reply.pageBytes.reduce(0, +),
        cliBytes: cliInfos.map(\.encodedBytes).reduce(0, +),
        ourRecall: ourRecall, cliRecall: cliRecall)
    row.grayPages = grayPages
    row.grayOurBytes = grayOurs
    row.grayCLIBytes = grayCLI
    rows.append(row)
    let ourKB = Double(row.ourBytes) / Double(max(1, row.pages)) / 1024
    let cliKB = Double(row.cliBytes) / Double(max(1, cliInfos.count)) / 1024
    let recallRatio: Double? = (ourRecall != nil && (cliRecall ?? 0) > 0) ? ourRecall! / cliRecall! : nil
    say(
        pad(name, 34) + lpad("\(row.pages)", 6) + lpad(f(Double(row.pages) / ourSeconds, 1), 9) + lpad(f(ourKB, 1), 9)
            + lpad(f(ourRecall.map { $0 * 100 }, 1), 8) + " |" + lpad(f(Double(cliInfos.count) / cliSeconds, 1), 8)
            + lpad(f(cliKB, 1), 9) + lpad(f(cliRecall.map { $0 * 100 }, 1), 8) + " |"
            + lpad(f(ourSeconds / cliSeconds), 7)
            + lpad(f(Double(row.ourBytes) / Double(max(1, row.cliBytes))), 8) + lpad(f(recallRatio), 8)
            + (grayPages > 0
                ? "  \(grayPages) gray/colour pages: bytes \(f(Double(grayOurs) / Double(max(1, grayCLI))))×" : ""))
    try? FileManager.default.removeItem(atPath: ours)
    try? FileManager.default.removeItem(atPath: cli)
}

// Image and text inputs (no CLI counterpart: Ghostscript does not read them as documents).
say("")
for name in ((try? FileManager.default.contentsOfDirectory(atPath: "\(corpus)/images")) ?? []).sorted() {
    let start = clock.now
    let reply = await pool.render(
        RenderRequest(id: name, input: "\(corpus)/images/\(name)", output: "\(scratch)/\(name).tif"), logger: logger)
    let s = seconds(start.duration(to: clock.now))
    let kb = Double(reply.pageBytes.reduce(0, +)) / Double(max(1, reply.pages)) / 1024
    say(
        pad(name, 34) + lpad("\(reply.pages)", 6) + lpad(f(Double(reply.pages) / s, 1), 9) + lpad(f(kb, 1), 9)
            + "  \(reply.format?.rawValue ?? "?") \(reply.error.map { $0.code.rawValue } ?? "ok")")
}

// Summary against the targets.
func sum(_ rows: [Row], _ key: (Row) -> Double) -> Double { rows.map(key).reduce(0, +) }
let coloured = rows.filter(\.colourOrGray)
let multiPage = rows.filter { $0.pages > 1 }
say("")
say(
    "colour/gray documents (a quarter or more of their pages differ from the CLI's): \(coloured.map(\.name).joined(separator: ", "))"
)
say(
    "  \(f(sum(coloured) { Double($0.ourBytes) } / 1024 / sum(coloured) { Double($0.pages) }, 1)) KB/page vs CLI \(f(sum(coloured) { Double($0.cliBytes) } / 1024 / sum(coloured) { Double($0.pages) }, 1)) KB/page = \(f(sum(coloured) { Double($0.ourBytes) } / sum(coloured) { Double($0.cliBytes) }))× (target ≤ 0.35×)"
)
let grayPageCount = sum(rows) { Double($0.grayPages) }
say(
    "gray/colour pages of every document (\(Int(grayPageCount))): \(f(sum(rows) { Double($0.grayOurBytes) } / 1024 / max(1, grayPageCount), 1)) KB/page vs CLI \(f(sum(rows) { Double($0.grayCLIBytes) } / 1024 / max(1, grayPageCount), 1)) KB/page = \(f(sum(rows) { Double($0.grayOurBytes) } / max(1, sum(rows) { Double($0.grayCLIBytes) })))×"
)
say(
    "all documents: bytes \(f(sum(rows) { Double($0.ourBytes) } / sum(rows) { Double($0.cliBytes) }))× the CLI's; multi-page time \(f(sum(multiPage, \.ourSeconds) / sum(multiPage, \.cliSeconds)))× the CLI's (target ≤ 1.5×)"
)
let recallPairs = rows.compactMap { r -> (Double, Double)? in
    guard let a = r.ourRecall, let b = r.cliRecall else { return nil }
    return (a, b)
}
let worse = rows.filter { ($0.ourRecall ?? 1) + 0.005 < ($0.cliRecall ?? 0) }.map(\.name)
say(
    "OCR recall: ours \(f(recallPairs.map(\.0).reduce(0, +) / Double(max(1, recallPairs.count)) * 100, 1)) % vs CLI \(f(recallPairs.map(\.1).reduce(0, +) / Double(max(1, recallPairs.count)) * 100, 1)) % (mean over documents); below the CLI on: \(worse.isEmpty ? "none" : worse.joined(separator: ", "))"
)

// Batch: one-page PDFs through the pool against as many gs processes (same parallelism).
let onePage = "\(corpus)/pdf/23-onepage-letter.pdf"
let batchDir = "\(scratch)/batch"
try FileManager.default.createDirectory(atPath: batchDir, withIntermediateDirectories: true)
for n in 0..<options.batch {
    try FileManager.default.copyItem(atPath: onePage, toPath: "\(batchDir)/doc-\(n).pdf")
}
let batchStart = clock.now
await withTaskGroup(of: Void.self) { group in
    for n in 0..<options.batch {
        group.addTask {
            _ = await pool.render(
                RenderRequest(id: "batch-\(n)", input: "\(batchDir)/doc-\(n).pdf", output: "\(batchDir)/doc-\(n).tif"),
                logger: logger)
        }
    }
}
let poolSeconds = seconds(batchStart.duration(to: clock.now))
let workerRSS = peakRSSOfProcesses(matching: "faxdrop-render --worker")
let cliBatchStart = clock.now
await withTaskGroup(of: Void.self) { group in
    let perLane = (options.batch + options.workers - 1) / options.workers
    for lane in 0..<options.workers {
        group.addTask {
            for n in (lane * perLane)..<min(options.batch, (lane + 1) * perLane) {
                run(
                    gs,
                    ["-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=tiffg4", "-r204x196"] + fitArguments
                        + ["-sOutputFile=\(batchDir)/gs-\(n).tif", "\(batchDir)/doc-\(n).pdf"])
            }
        }
    }
}
let cliBatchSeconds = seconds(cliBatchStart.duration(to: clock.now))
say("")
say(
    "batch of \(options.batch) one-page PDFs, \(options.workers) at a time: pool \(f(poolSeconds)) s (\(f(poolSeconds / Double(options.batch) * 1000, 1)) ms/doc), gs processes \(f(cliBatchSeconds)) s (\(f(cliBatchSeconds / Double(options.batch) * 1000, 1)) ms/doc): \(f(cliBatchSeconds / poolSeconds, 1))× faster (target ≥ 4×)"
)
say(
    "peak RSS: daemon side (this process) \(f(selfPeakRSSMB(), 1)) MB (target ≤ 100 MB); workers \(workerRSS.map { f($0, 1) }.joined(separator: ", ")) MB"
)
await pool.shutdown()
