import ArgumentParser
import FaxDropCore
import FaxDropDiagnostics
import Foundation

/// `faxdrop check` (SPEC §5): configuration and environment diagnosis; exit 1 on a problem.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Diagnose the configuration and the machine: renderer, spool, inotify limits, AMI login, HTTP port.")

    @OptionGroup var common: CommonOptions

    @Flag(help: "Exit non-zero on warnings too.")
    var strict = false

    func run() async throws {
        let configuration = try common.load()
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let diagnostics = Diagnostics(
            configuration: configuration,
            executableDirectory: URL(fileURLWithPath: executable).deletingLastPathComponent().path)
        let findings = await diagnostics.run()
        print(Diagnostics.report(findings))
        let worst = findings.map(\.level).max() ?? .ok
        if worst == .problem || (strict && worst == .warning) { throw ExitCode(1) }
    }
}
