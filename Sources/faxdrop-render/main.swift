// faxdrop-render: the renderer program (links AGPL libgs; SPEC §9).
//
//   faxdrop-render --worker [--memory-mb N]
//       Reads RenderRequest lines (JSON) on stdin, answers one RenderReply line per request
//       on stdout, keeps its Ghostscript instance between jobs, exits at end of input.
//       Each job runs in a forked child confined by Landlock (FAXDROP_RENDER_SANDBOX=off:
//       in the worker itself), with a fresh private temp directory under
//       FAXDROP_RENDER_SCRATCH (the daemon makes one per worker; otherwise one of our own).
//   faxdrop-render --sandbox-status
//       Prints whether jobs would be confined ("landlock ABI N, active" or "inactive: why").
//   faxdrop-render INPUT OUTPUT.tif [--resolution fine|normal] [--paper letter|a4]
//                  [--max-pages N] [--max-bytes N] [--trim-blank] [--memory-mb N]
//       Renders one document; prints the page count; on failure exits 1 and prints
//       `error: <code>: <message>` on stderr.
import FaxDropCore
import FaxDropRenderer
import FaxDropSystem
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(1)
}

/// `usage()` where a value is expected.
func usage<T>() -> T { printUsageAndExit() }

func usage() -> Never { printUsageAndExit() }

func printUsageAndExit() -> Never {
    FileHandle.standardError.write(
        Data(
            """
            usage: faxdrop-render --worker [--memory-mb N]
                   faxdrop-render INPUT OUTPUT.tif [--resolution fine|normal] [--paper letter|a4]
                                  [--max-pages N] [--max-bytes N] [--trim-blank] [--memory-mb N]

            """.utf8))
    exit(2)
}

struct Options {
    var worker = false
    var sandboxStatus = false
    var sandbox = ConfinedRenderer.Mode.confined
    var positional: [String] = []
    var resolution = Resolution.fine
    var paper = Paper.letter
    var maxPages = 100
    var maxBytes: Int64 = 50 << 20
    var trimBlank = false
    var memoryMB: UInt64 = 2048

    /// Flags win over the environment's FAXDROP_* settings, which win over the defaults.
    static func parse(_ arguments: [String], environment: [String: String]) -> Options {
        var o = Options()
        o.resolution = Resolution(rawValue: environment["FAXDROP_RESOLUTION"] ?? "") ?? .fine
        o.paper = Paper(rawValue: environment["FAXDROP_PAPER"] ?? "") ?? .letter
        o.maxPages = Int(environment["FAXDROP_MAX_PAGES"] ?? "") ?? 100
        o.maxBytes = Int64(environment["FAXDROP_MAX_BYTES"] ?? "") ?? 50 << 20
        o.trimBlank = ["1", "true", "yes", "on"].contains((environment["FAXDROP_TRIM_BLANK"] ?? "").lowercased())
        o.memoryMB = UInt64(environment["FAXDROP_RENDER_MEMORY_MB"] ?? "") ?? 2048
        let off = ["0", "false", "no", "off"].contains((environment["FAXDROP_RENDER_SANDBOX"] ?? "").lowercased())
        o.sandbox = off ? .off : .confined
        var index = 0
        func value() -> String {
            index += 1
            guard index < arguments.count else { usage() }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--worker": o.worker = true
            case "--sandbox-status": o.sandboxStatus = true
            case "--resolution": o.resolution = Resolution(rawValue: value()) ?? usage()
            case "--paper": o.paper = Paper(rawValue: value()) ?? usage()
            case "--max-pages": o.maxPages = Int(value()) ?? usage()
            case "--max-bytes": o.maxBytes = Int64(value()) ?? usage()
            case "--memory-mb": o.memoryMB = UInt64(value()) ?? usage()
            case "--trim-blank": o.trimBlank = true
            case "-h", "--help": usage()
            case let flag where flag.hasPrefix("--"): usage()
            default: o.positional.append(arguments[index])
            }
            index += 1
        }
        return o
    }
}

let options = Options.parse(Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)

// Resource limits first: a document must not be able to exhaust the machine.
do {
    try ProcessLimits.disableCoreDumps()
    try ProcessLimits.limitAddressSpace(options.memoryMB << 20)
    try ProcessLimits.limitFileSize(1 << 30)
} catch {
    fail("internal_error: cannot set resource limits: \(error)")
}

// A private scratch directory: Ghostscript's TMPDIR (SAFER lets a program list, read and
// write there, so it must never be a shared /tmp that could hold the spool), and the parent
// of each job's own temp directory. Made by the daemon per worker, or here for `convert`.
let environment = ProcessInfo.processInfo.environment
let scratch: String
do {
    scratch =
        try environment["FAXDROP_RENDER_SCRATCH"]
        ?? Syscall.makeTemporaryDirectory(prefix: (environment["TMPDIR"] ?? "/tmp") + "/faxdrop-render.")
} catch {
    fail("internal_error: cannot create a private temp directory: \(error)")
}
setenv("TMPDIR", scratch, 1)
let renderer = ConfinedRenderer(mode: options.sandbox, scratch: scratch, environment: environment)

/// Leaves no temp file behind (a daemon-made scratch directory is this worker's alone).
func finish(_ status: Int32) -> Never {
    try? Syscall.removeTree(scratch)
    exit(status)
}

if options.sandboxStatus {
    print(renderer.status)
    finish(0)
}

if options.worker {
    guard options.positional.isEmpty else { usage() }
    // Below the daemon: rendering uses every core it gets, the daemon must stay responsive.
    try? ProcessLimits.lowerPriority(by: 10)
    // Die with the daemon, even in the middle of a job that never ends. (PR_SET_PDEATHSIG
    // would fire when the daemon *thread* that spawned us exits, so the parent is polled.)
    let parent = getppid()
    Thread.detachNewThread {
        while true {
            sleep(1)
            if getppid() != parent { _exit(3) }
        }
    }
    // The reply channel is a private copy of stdout; fd 1 itself now goes to stderr, so
    // nothing printed by a library can corrupt the replies.
    let replyFD = dup(1)
    guard replyFD >= 0, dup2(2, 1) >= 0 else { fail("internal_error: cannot set up the reply channel") }
    signal(SIGPIPE, SIG_IGN)
    let decoder = JSONDecoder()
    let encoder = JSONEncoder()
    while let line = readLine(strippingNewline: true) {
        if line.isEmpty { continue }
        let reply: RenderReply
        do {
            let request = try decoder.decode(RenderRequest.self, from: Data(line.utf8))
            reply = renderer.render(request)
        } catch {
            reply = RenderReply(
                id: "", format: nil, pages: 0, pageBytes: [], seconds: 0,
                error: .init(code: .internalError, message: "unreadable render request: \(error)"))
        }
        var bytes = Array((try? encoder.encode(reply)) ?? Data("{}".utf8))
        bytes.append(0x0A)
        do {
            try bytes.withUnsafeBytes { try Syscall.writeAll(replyFD, $0) }
        } catch {
            finish(0)  // The daemon went away.
        }
    }
    finish(0)
}

guard options.positional.count == 2 else { usage() }
let request = RenderRequest(
    id: "convert", input: options.positional[0], output: options.positional[1], resolution: options.resolution,
    paper: options.paper, maxPages: options.maxPages, maxBytes: options.maxBytes, trimBlankTail: options.trimBlank)
let reply = renderer.render(request)
try? Syscall.removeTree(scratch)
if let error = reply.error { fail("\(error.code.rawValue): \(error.message)") }
print(reply.pages)
