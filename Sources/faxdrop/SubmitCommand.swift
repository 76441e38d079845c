import ArgumentParser
import FaxDropCore
import FaxDropDaemon
import Foundation

struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit", abstract: "Queue a document for a number, atomically; prints the job id.")

    @OptionGroup var common: CommonOptions

    @Argument(help: "The document to fax.")
    var file: String

    @Option(help: "The destination in E.164 form, e.g. +15551234567.")
    var to: String

    func run() throws {
        let configuration = try common.load()
        guard let number = E164Number(to) else {
            printError("error: invalid_destination: '\(to)' is not an E.164 number (+ then 7 to 15 digits)")
            throw ExitCode(1)
        }
        let submitter = Submitter(spool: Spool(root: configuration.spool))
        do {
            let id = try submitter.submit(file: file, to: number)
            print(id.value)
        } catch {
            printError("error: cannot queue \(file): \(error)")
            throw ExitCode(1)
        }
    }
}
