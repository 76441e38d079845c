import ArgumentParser
import FaxDropCore
import FaxDropDaemon
import Foundation

struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Stop a queued or live job (its call is hung up); it ends `cancelled`.")

    @OptionGroup var job: JobArgument

    @Option(help: "Seconds to wait for the daemon to end the job (0: do not wait).")
    var wait: Double = 30

    func run() throws {
        let (spool, id) = try job.load()
        if let sidecar = StatusReport.sidecar(id, spool: spool) {
            printError("error: job \(id) has already ended (\(sidecar.status.rawValue))")
            throw ExitCode(1)
        }
        guard (try? JournalStore(spool: spool).read(id)) != nil else {
            printError("error: no active job \(id) in \(spool.root)")
            throw ExitCode(1)
        }
        try ControlRequest.cancel(id).post(to: spool)
        guard wait > 0 else {
            print("cancel requested for \(id)")
            return
        }
        let sidecar = try waitForSidecar(id, spool: spool, seconds: wait)
        print("\(id) \(sidecar.status.rawValue) \(sidecar.error?.code.rawValue ?? "")")
    }
}

struct RetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Queue a failed job again as a new job that names the old; prints the new id.")

    @OptionGroup var job: JobArgument

    func run() throws {
        let (spool, old) = try job.load()
        guard let sidecar = StatusReport.sidecar(old, spool: spool), sidecar.status == .failed else {
            printError("error: job \(old) is not in \(spool.failed)")
            throw ExitCode(1)
        }
        var generator = JobIDGenerator()
        let new = generator.next(milliseconds: UInt64(Date().timeIntervalSince1970 * 1000))
        try ControlRequest.retry(old: old, new: new).post(to: spool)
        print(new.value)
    }
}

/// `--spool`, `--config` and the id of the job a command acts on (`cancel`, `retry`).
struct JobArgument: ParsableArguments {
    @OptionGroup var common: CommonOptions

    @Argument(help: "The job's id.")
    var jobID: String

    /// The spool and the job; an error and exit status 1 when the id is not one.
    func load() throws -> (spool: Spool, id: JobID) {
        (Spool(root: try common.load().spool), try parseJobID(jobID))
    }
}

/// The job id an operator typed; an error and exit status 1 when it is not one.
func parseJobID(_ text: String) throws -> JobID {
    guard let id = JobID(text) else {
        printError("error: '\(text)' is not a job id")
        throw ExitCode(1)
    }
    return id
}

/// Polls for the job's sidecar; the daemon reads requests about once a second.
func waitForSidecar(_ id: JobID, spool: Spool, seconds: Double) throws -> Sidecar {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if let sidecar = StatusReport.sidecar(id, spool: spool) { return sidecar }
        Thread.sleep(forTimeInterval: 0.1)
    }
    printError("error: the job has not ended within \(Int(seconds)) s; is `faxdrop run` running on \(spool.root)?")
    throw ExitCode(1)
}
