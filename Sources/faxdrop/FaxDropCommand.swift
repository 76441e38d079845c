import ArgumentParser
import FaxDropCore
import FaxDropDaemon
import Foundation

@main
struct FaxDropCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faxdrop",
        abstract: "A watched-folder fax gateway: drop a document into spool/outgoing/<+number>/ and it is faxed.",
        version: FaxDropVersion.string,
        subcommands: [
            RunCommand.self, SubmitCommand.self, StatusCommand.self, ConvertCommand.self, CheckCommand.self,
            CancelCommand.self,
            RetryCommand.self, ReceiveTestCommand.self, ReindexCommand.self,
        ]
    )
}

/// `--spool` and `--config`, shared by every command (SPEC §5).
struct CommonOptions: ParsableArguments {
    @Option(help: "The spool folder (default ./spool, or FAXDROP_SPOOL).")
    var spool: String?

    @Option(help: "A KEY=VALUE file of settings; the real environment wins.")
    var config: String?

    /// The configuration from the environment, the `--config` file and `--spool`.
    func load() throws -> Configuration {
        var configuration: Configuration
        do {
            configuration = try Configuration(environment: ProcessInfo.processInfo.environment, file: config)
        } catch let error as ConfigurationError {
            throw ValidationError("configuration: \(error)")
        }
        if let spool { configuration.spool = spool }
        return configuration
    }

    /// The settings as `load` reads them: the `--config` file's values, the real environment
    /// winning (for parts with settings of their own, such as the web console).
    func environment() throws -> [String: String] {
        var values: [String: String] = [:]
        if let config {
            guard let text = try? String(contentsOfFile: config, encoding: .utf8) else {
                throw ValidationError("configuration: --config: cannot read \(config)")
            }
            values = try Configuration.parseEnvFile(text)
        }
        for (key, value) in ProcessInfo.processInfo.environment { values[key] = value }
        return values
    }
}

/// Prints `error: <code>: <message>` on stderr and exits 1.
struct CodedFailure: Error, CustomStringConvertible {
    var error: FaxError
    var description: String { "error: \(error.code.rawValue): \(error.message)" }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
