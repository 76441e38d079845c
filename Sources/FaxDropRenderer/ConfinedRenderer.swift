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
        // Warm the interpreter here, once, so that every child starts from a ready copy.
        renderer.prepare(resolution: request.resolution, paper: request.paper)
        var inner = request
        inner.input = Renderer.resolved(request.input)
        inner.output = jobDirectory + "/fax.tif"
        let rules = readable.map { Landlock.Rule($0, .read) } + [
            Landlock.Rule(inner.input, .readFile),
            Landlock.Rule(jobDirectory, .scratch),
            Landlock.Rule("/dev/null", [.readFile, .writeFile]),
        ]

        let channel: (read: Int32, write: Int32)
        let child: pid_t
        do {
            channel = try Syscall.pipe()
            child = try Syscall.fork()
        } catch {
            return Self.failure(request, .conversionFailed, "cannot start the confined renderer: \(error)")
        }
        if child == 0 {
            Syscall.close(channel.read)
            runChild(inner, rules: rules, temporaryDirectory: jobDirectory, replyFD: channel.write)
        }
        Syscall.close(channel.write)
        let answer = Self.readAll(channel.read)
        Syscall.close(channel.read)
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
            let image = try AtomicFile.read(inner.output, limit: 1 << 30)
            try AtomicFile.write(image, to: request.output, stagingDirectory: Self.directory(of: request.output), durable: false)
        } catch {
            return Self.failure(request, .conversionFailed, "cannot store the fax image: \(error)")
        }
        return reply
    }

    /// The child: dies with the worker, confines itself, renders, answers, exits.
    private func runChild(_ request: RenderRequest, rules: [Landlock.Rule], temporaryDirectory: String, replyFD: Int32) -> Never {
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

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func failure(_ request: RenderRequest, _ code: ErrorCode, _ message: String) -> RenderReply {
        RenderReply(id: request.id, format: nil, pages: 0, pageBytes: [], seconds: 0, error: .init(code: code, message: message))
    }
}
