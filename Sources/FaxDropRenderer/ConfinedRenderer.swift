import FaxDropCore
import FaxDropSystem
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Renders each job in a forked child confined by Landlock (issue 9): the child may read its
/// one input, the system's libraries, fonts and Ghostscript's resources, and may write only
/// a fresh private temp directory; it may execute nothing, open no TCP connection and signal
/// nobody outside itself. The worker (the parent) keeps its warm Ghostscript interpreter
/// untouched: each child gets a copy-on-write copy, so a PostScript program that changes the
/// interpreter's state dies with its child. The parent then copies the finished TIFF to the
/// request's output (a plain byte copy, nothing of it is parsed here) and removes the temp
/// directory.
///
/// A Landlock ruleset cannot be loosened once applied, so a long-lived worker cannot confine
/// itself to one job and then to the next: hence one child per job.
///
/// The worker itself must never start libdispatch (the page sink's queue): libdispatch is not
/// fork-safe, and a child forked after the parent used a queue waits forever on it. So the
/// worker only warms the interpreter (`Renderer.warmUp`) and renders nothing itself.
public final class ConfinedRenderer {
    public enum Mode: Sendable, Equatable {
        /// Fork and confine every job (the default).
        case confined
        /// Render in the worker itself, as before issue 9 (`FAXDROP_RENDER_SANDBOX=off`).
        case off
    }

    private let renderer = Renderer()
    private let mode: Mode
    /// The worker's private scratch directory; each job gets a fresh directory inside it.
    private let scratch: String
    /// Read-only places besides the input: libraries, fonts, Ghostscript's resources.
    private let readable: [String]
    private let landlock: Landlock.Availability

    /// `environment` supplies `GS_LIB` and `GS_FONTPATH`, whose folders stay readable.
    public init(mode: Mode, scratch: String, environment: [String: String]) {
        self.mode = mode
        self.scratch = scratch
        self.landlock = Landlock.availability()
        let extra = ["GS_LIB", "GS_FONTPATH"].flatMap { (environment[$0] ?? "").split(separator: ":").map(String.init) }
        self.readable = ["/usr", "/etc/fonts", "/var/cache/fontconfig", "/etc/ld.so.cache"] + extra
    }

    /// What `faxdrop-render --sandbox-status` prints: whether jobs are confined, and how.
    public var status: String {
        switch (mode, landlock) {
        case (.off, _): "inactive: FAXDROP_RENDER_SANDBOX=off"
        case (.confined, .available(let abi)): "landlock ABI \(abi), active"
        case (.confined, .unavailable(let reason)): "inactive: \(reason)"
        }
    }

    public func render(_ request: RenderRequest) -> RenderReply {
        guard mode == .confined else { return renderer.render(request) }
        let jobDirectory: String
        do {
            jobDirectory = try Syscall.makeTemporaryDirectory(prefix: scratch + "/job.")
        } catch {
            return Self.failure(request, .conversionFailed, "cannot create the job's private temp directory: \(error)")
        }
        defer { try? Syscall.removeTree(jobDirectory) }
        warmUp(resolution: request.resolution, paper: request.paper)
        var inner = request
        inner.output = jobDirectory + "/fax.tif"
        // The rule names the file itself; the child still checks the path as given (a symlink
        // stays a symlink and fails `not_a_regular_file`).
        let rules =
            readable.map { Landlock.Rule($0, .read) } + [
                Landlock.Rule(Renderer.resolved(request.input), .readFile),
                Landlock.Rule(jobDirectory, .scratch),
                Landlock.Rule("/dev/null", [.readFile, .writeFile]),
            ]

        let channel: (read: Int32, write: Int32)
        do {
            channel = try Syscall.pipe()
        } catch {
            return Self.failure(request, .conversionFailed, "cannot start the confined renderer: \(error)")
        }
        let reader = FileDescriptor(owning: channel.read)
        let child: pid_t
        do {
            // The parent's write end is closed when this block ends, so the child's exit is end of file.
            let writer = FileDescriptor(owning: channel.write)
            do {
                child = try Syscall.fork()
            } catch {
                return Self.failure(request, .conversionFailed, "cannot start the confined renderer: \(error)")
            }
            if child == 0 {
                // The child's copy of the read end; `runChild` never returns, so no owner closes it again.
                Syscall.close(reader.rawValue)
                runChild(inner, rules: rules, temporaryDirectory: jobDirectory, replyFD: writer.rawValue)
            }
        }
        let answer = Self.readAll(reader.rawValue)
        let termination: Syscall.Termination
        do {
            termination = try Syscall.wait(for: child)
        } catch {
            return Self.failure(request, .conversionFailed, "cannot reap the confined renderer: \(error)")
        }
        guard termination == .exited(0), var reply = try? JSONDecoder().decode(RenderReply.self, from: Data(answer))
        else {
            return Self.failure(request, .conversionFailed, "the confined renderer \(termination) without answering")
        }
        reply.id = request.id
        guard reply.error == nil else { return reply }
        do {
            try Self.publish(inner.output, as: request.output)
        } catch {
            return Self.failure(request, .conversionFailed, "cannot store the fax image: \(error)")
        }
        return reply
    }

    /// Copies the child's finished image to `output` under a temporary name and renames it
    /// in (as the renderer always did: readers see the whole file or none). Bytes only: the
    /// worker parses nothing the child wrote.
    private static func publish(_ image: String, as output: String) throws {
        try AtomicFile.write(try AtomicFile.read(image, limit: 1 << 30), to: output, durable: false)
    }

    /// The geometry the worker's interpreter was last warmed for.
    private var warmed: (resolution: Resolution, paper: Paper)?

    /// Starts the interpreter in the worker and renders one page of FaxDrop's own (text in
    /// the standard fonts, gray and colour fills) with it, so that fonts, colour profiles
    /// and the PDF interpreter are loaded once, here, and every child starts from a copy
    /// that has them instead of loading them again for each job.
    private func warmUp(resolution: Resolution, paper: Paper) {
        if let warmed, warmed.resolution == resolution, warmed.paper == paper { return }
        warmed = (resolution, paper)
        let content = """
            BT /F1 11 Tf 72 700 Td (FaxDrop) Tj /F2 11 Tf 0 -14 Td (FaxDrop) Tj /F3 11 Tf 0 -14 Td (FaxDrop) Tj ET
            0.5 g 72 72 72 72 re f 1 0 0 rg 180 72 72 72 re f
            """
        func font(_ name: String) -> String { "<< /Type /Font /Subtype /Type1 /BaseFont /\(name) >>" }
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                + "/Resources << /Font << /F1 5 0 R /F2 6 0 R /F3 7 0 R >> >> >>",
            "<< /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream",
            font("Helvetica"), font("Times-Roman"), font("Courier"),
        ]
        let input = scratch + "/warm-up.pdf"
        defer { try? Syscall.unlink(input) }
        guard
            (try? AtomicFile.write(PDFFile.assemble(objects), to: input, stagingDirectory: scratch, durable: false))
                != nil
        else {
            renderer.prepare(resolution: resolution, paper: paper)
            return
        }
        renderer.warmUp(pdf: input, resolution: resolution, paper: paper)
    }

    /// The child: dies with the worker, confines itself, renders, answers, exits.
    private func runChild(_ request: RenderRequest, rules: [Landlock.Rule], temporaryDirectory: String, replyFD: Int32)
        -> Never
    {
        let parent = getppid()
        do {
            try Syscall.setParentDeathSignal(SIGKILL)
        } catch {
            _exit(70)
        }
        if getppid() != parent { _exit(70) }
        // Ghostscript's scratch files (and the only place SAFER lets a program write) go here.
        setenv("TMPDIR", temporaryDirectory, 1)
        var reply: RenderReply
        do {
            if case .available = landlock { _ = try Landlock.restrictSelf(to: rules) }
            reply = renderer.render(request)
        } catch {
            reply = Self.failure(request, .conversionFailed, "the renderer sandbox cannot be applied: \(error)")
        }
        var bytes = Array((try? JSONEncoder().encode(reply)) ?? Data())
        bytes.append(0x0A)
        _ = try? bytes.withUnsafeBytes { try Syscall.writeAll(replyFD, $0) }
        _exit(0)
    }

    private static func readAll(_ fd: Int32) -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while let n = try? chunk.withUnsafeMutableBytes({ try Syscall.read(fd, into: $0) }), n > 0 {
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    private static func failure(_ request: RenderRequest, _ code: ErrorCode, _ message: String) -> RenderReply {
        RenderReply(
            id: request.id, format: nil, pages: 0, pageBytes: [], seconds: 0, error: .init(code: code, message: message)
        )
    }
}
