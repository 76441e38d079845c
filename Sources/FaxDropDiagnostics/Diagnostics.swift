import FaxDropAsterisk
import FaxDropCore
import FaxDropDaemon
import FaxDropNotify
import FaxDropSystem
import Foundation
import Logging
import NIOCore
import NIOPosix

/// `faxdrop check`: what would stop the gateway from working here, found before it runs.
/// Each check reports `ok`, `warning` (works, but not as meant) or `problem` (will fail).
public struct Diagnostics: Sendable {
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public enum Level: String, Sendable, Comparable {
            case ok, warning, problem
            public static func < (a: Level, b: Level) -> Bool { a.rank < b.rank }
            var rank: Int { self == .ok ? 0 : self == .warning ? 1 : 2 }
        }

        public var check: String
        public var level: Level
        public var detail: String

        public init(_ check: String, _ level: Level, _ detail: String) {
            self.check = check
            self.level = level
            self.detail = detail
        }

        public var description: String {
            let mark = level == .ok ? "ok     " : level == .warning ? "WARNING" : "PROBLEM"
            return "\(mark)  \(check.padding(toLength: 9, withPad: " ", startingAt: 0))  \(detail)"
        }
    }

    public let configuration: Configuration
    /// Where `faxdrop-render` is looked for when `FAXDROP_RENDERER` is not set.
    public let executableDirectory: String
    /// `/proc/sys/fs/inotify`, replaceable in tests.
    public var inotifyDirectory = "/proc/sys/fs/inotify"
    public var amiTimeout: TimeAmount = .seconds(5)

    public init(configuration: Configuration, executableDirectory: String) {
        self.configuration = configuration
        self.executableDirectory = executableDirectory
    }

    /// Every check, in the order of the report.
    public func run() async -> [Finding] {
        var findings = [renderer(), rendererSandbox()] + spool() + [inotify(), leases()] + folderOptions()
        if let letterhead = await letterhead() { findings.append(letterhead) }
        findings += await asterisk()
        findings.append(await httpPort())
        findings += hooks()
        return findings
    }

    /// The report people read, one line per check, and a verdict.
    public static func report(_ findings: [Finding]) -> String {
        let worst = findings.map(\.level).max() ?? .ok
        let verdict: String
        switch worst {
        case .ok: verdict = "everything checked is in order"
        case .warning: verdict = "working, with warnings"
        case .problem:
            verdict = "\(findings.filter { $0.level == .problem }.count) problem(s): FaxDrop will not work as it is"
        }
        return (findings.map(\.description) + ["", verdict]).joined(separator: "\n")
    }

    // MARK: The checks

    /// The renderer worker (which links Ghostscript and libtiff) is there and executable.
    func renderer() -> Finding {
        let path = configuration.renderer ?? executableDirectory + "/faxdrop-render"
        guard let status = try? Syscall.lstatIfExists(path) else {
            return Finding(
                "renderer", .problem,
                "\(path) is missing (set FAXDROP_RENDERER, or install faxdrop-render beside faxdrop)")
        }
        guard status.kind == .regular || status.kind == .symlink, access(path, X_OK) == 0 else {
            return Finding("renderer", .problem, "\(path) is not an executable file")
        }
        return Finding("renderer", .ok, "\(path) is executable")
    }

    /// The layout exists, each folder is writable, and all are on one filesystem (claims and
    /// sidecars are `rename`s, atomic only within one).
    func spool() -> [Finding] {
        let spool = Spool(root: configuration.spool)
        var missing: [String] = []
        var unwritable: [String] = []
        var devices: Set<UInt64> = []
        for folder in [spool.root, spool.outgoing, spool.active, spool.done, spool.failed, spool.tmp] {
            guard let status = try? Syscall.lstatIfExists(folder), status.kind == .directory else {
                missing.append(folder)
                continue
            }
            devices.insert(status.device)
            if !Syscall.isWritable(folder) { unwritable.append(folder) }
        }
        var findings: [Finding] = []
        if !missing.isEmpty {
            // `faxdrop run` creates what is missing, if it may write where the folders go.
            let parent = URL(fileURLWithPath: spool.root).deletingLastPathComponent().path
            let creatable =
                (try? Syscall.lstatIfExists(spool.root)) != nil
                ? Syscall.isWritable(spool.root) : Syscall.isWritable(parent)
            findings.append(
                Finding(
                    "spool", creatable ? .warning : .problem,
                    "missing: \(missing.joined(separator: ", "))" + (creatable ? " (faxdrop run creates them)" : "")))
        }
        if !unwritable.isEmpty {
            findings.append(
                Finding("spool", .problem, "not writable by uid \(getuid()): \(unwritable.joined(separator: ", "))"))
        }
        if devices.count > 1 {
            findings.append(
                Finding(
                    "spool", .problem,
                    "the spool's folders are on \(devices.count) filesystems; renames would not be atomic"))
        }
        if findings.isEmpty {
            findings.append(Finding("spool", .ok, "\(spool.root): complete, writable, one filesystem"))
        }
        return findings
    }

    /// One inotify watch per destination folder (and one for `outgoing/`) against the limit.
    func inotify() -> Finding {
        let text = try? String(contentsOfFile: inotifyDirectory + "/max_user_watches", encoding: .utf8)
        guard let limit = text.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else {
            return Finding("inotify", .warning, "cannot read \(inotifyDirectory)/max_user_watches")
        }
        let outgoing = Spool(root: configuration.spool).outgoing
        let folders = ((try? Syscall.listDirectory(outgoing)) ?? []).filter { name in
            (try? Syscall.lstat(outgoing + "/" + name))?.kind == .directory
        }.count
        let needed = folders + 1
        let detail =
            "\(folders) destination folder(s) need \(needed) watch(es); fs.inotify.max_user_watches is \(limit)"
        if needed > limit {
            return Finding("inotify", .problem, detail + " (raise it: sysctl fs.inotify.max_user_watches=...)")
        }
        if needed * 2 > limit {
            return Finding("inotify", .warning, detail + " (other programs of this user share the limit)")
        }
        return Finding("inotify", .ok, detail)
    }

    /// With `FAX_BACKEND=sip`: Asterisk answers with its banner and accepts the login.
    func ami() async -> Finding {
        guard configuration.backend == .sip else {
            return Finding("ami", .ok, "not used (FAX_BACKEND=loopback)")
        }
        let target = "\(configuration.amiUsername)@\(configuration.amiHost):\(configuration.amiPort)"
        var logger = Logger(label: "faxdrop.check")
        logger.logLevel = .critical
        let probe = await SIPBackend.probeLogin(
            configuration: configuration, logger: logger, timeout: .nanoseconds(amiTimeout.nanoseconds))
        switch probe.outcome {
        case .accepted(let banner):
            return Finding("ami", .ok, "\(target): \(banner), login accepted")
        case .refused(let message):
            return Finding(
                "ami", .problem,
                "\(target): login refused (\(message)); check ASTERISK_AMI_USERNAME/PASSWORD and manager.conf")
        case .notAsterisk(let greeting):
            return Finding("ami", .problem, "\(target) does not speak AMI (it said \(greeting.debugDescription))")
        case .unreachable(let reason):
            return Finding("ami", .problem, "\(target): cannot reach the Asterisk Manager Interface (\(reason))")
        }
    }

    /// The HTTP API's address can be bound (nobody else has the port).
    func httpPort() async -> Finding {
        guard configuration.httpEnabled else { return Finding("http", .ok, "disabled (FAXDROP_HTTP=false)") }
        let address = "\(configuration.httpHost):\(configuration.httpPort)"
        do {
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: configuration.httpHost, port: configuration.httpPort).get()
            try? await channel.close()
        } catch {
            return Finding("http", .problem, "cannot listen on \(address): \(error) (is faxdrop run already running?)")
        }
        if configuration.apiKey == nil {
            return Finding(
                "http", .warning, "\(address) is free, but API_KEY is not set: POST /fax will refuse every request")
        }
        return Finding("http", .ok, "\(address) is free")
    }

    /// The result hook's shell and the webhook's URL.
    func hooks() -> [Finding] {
        var findings: [Finding] = []
        if configuration.onResult != nil && access("/bin/sh", X_OK) != 0 {
            findings.append(Finding("hooks", .problem, "FAXDROP_ON_RESULT needs /bin/sh"))
        }
        if let url = configuration.webhookURL {
            if HTTPPost.Target(url) == nil {
                findings.append(Finding("hooks", .problem, "FAXDROP_WEBHOOK_URL must be http[s]://host[:port]/path"))
            } else if let caFile = configuration.webhookCAFile, access(caFile, R_OK) != 0 {
                findings.append(Finding("hooks", .problem, "FAXDROP_WEBHOOK_CA_FILE \(caFile) cannot be read"))
            } else if configuration.webhookSecret == nil {
                findings.append(Finding("hooks", .warning, "FAXDROP_WEBHOOK_SECRET is not set: webhooks go unsigned"))
            }
        }
        return findings
    }
}
