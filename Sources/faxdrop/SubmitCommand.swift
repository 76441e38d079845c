import ArgumentParser
import FaxDropCore
import FaxDropDaemon
import Foundation

struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract:
            "Queue one or more documents, in order as one fax, for one or more numbers, atomically; prints one job id per number."
    )

    @OptionGroup var common: CommonOptions

    @Argument(help: "The documents to fax, in order, as one fax (at most 20).")
    var files: [String]

    @Option(help: "The destination in E.164 form, e.g. +15551234567; repeat for several (one job each, one batch).")
    var to: [String]

    @Flag(inversion: .prefixedNo, help: "A cover page in front (default: the gateway's FAXDROP_COVER).")
    var cover: Bool?

    @Option(name: .customLong("recipient-name"), help: "The recipient's name (sidecar, cover page).")
    var recipientName: String?

    @Option(help: "The cover page's subject.")
    var subject: String?

    @Option(help: "A paragraph of the cover page's note; repeat for more.")
    var note: [String] = []

    @Option(help: "high, normal or low: high goes ahead of normal in the queue.")
    var priority: JobPriority?

    @Option(name: .customLong("send-at"), help: "Not before this time, RFC 3339 (2026-11-29T14:30:00+01:00).")
    var sendAt: String?

    @OptionGroup var page: PageOptions

    @Option(
        name: .customLong("max-attempts"),
        help: "Dial attempts before the job fails, 1 to 100 (default: the gateway's).")
    var maxAttempts: Int?

    func run() throws {
        let configuration = try common.load()
        var numbers: [E164Number] = []
        for text in to {
            guard let number = E164Number(text) else {
                printError(
                    "error: invalid_destination: \(text.debugDescription) is not an E.164 number (+ then 7 to 15 digits)"
                )
                throw ExitCode(1)
            }
            numbers.append(number)
        }
        var request = JobRequest(
            recipientName: recipientName,
            options: JobOptions(
                cover: cover, subject: subject, note: note.isEmpty ? nil : note, priority: priority,
                maxAttempts: maxAttempts,
                resolution: page.resolution, paper: page.paper))
        guard !files.isEmpty, files.count <= JobDocument.maxCount else {
            printError("error: invalid_options: give 1 to \(JobDocument.maxCount) documents")
            throw ExitCode(1)
        }
        if let sendAt {
            guard let time = JobRequest.parseTime(sendAt) else {
                printError("error: invalid_options: --send-at \(sendAt.debugDescription) is not an RFC 3339 time")
                throw ExitCode(1)
            }
            request.sendAt = time
        }
        if let problem = request.problem() {
            printError("error: invalid_options: \(problem)")
            throw ExitCode(1)
        }
        let submitter = Submitter(spool: Spool(root: configuration.spool))
        if numbers.count > 1 { request.batchID = submitter.newBatchID() }
        do {
            for number in numbers {
                let id = try submitter.submit(files: files, to: number, request: request)
                print(numbers.count > 1 ? "\(id.value) \(number.value) batch \(request.batchID!)" : id.value)
            }
        } catch {
            printError("error: cannot queue \(files.map(\.debugDescription).joined(separator: ", ")): \(error)")
            throw ExitCode(1)
        }
    }
}

extension JobPriority: ExpressibleByArgument {}
