import ArgumentParser
import FaxDropCore
import FaxDropDaemon
import FaxDropIndex
import Foundation
import Logging

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show what is queued, active, done and failed, or one job.")

    @OptionGroup var common: CommonOptions

    @Argument(help: "A job id: show that job only.")
    var jobID: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let configuration = try common.load()
        let spool = Spool(root: configuration.spool)
        if let text = jobID {
            try showOne(try parseJobID(text), spool: spool)
            return
        }
        let report = StatusReport.read(spool, index: openIndex(spool))
        if json {
            print(String(decoding: try JSONEncoder.faxdrop().encode(report), as: UTF8.self))
            return
        }
        print("drop zone: \(report.waitingInDropZone) waiting")
        print("active: \(report.active.count)")
        for job in report.active {
            let pages = job.pagesTotal.map { "\(job.pagesSent)/\($0) pages" } ?? "not rendered"
            var line =
                "  \(job.jobID)  \(job.state.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(job.destination)  attempt \(job.attempts)  \(pages)"
            if let next = job.notBefore { line += "  next try \(Timestamp.format(next))" }
            if let sendAt = job.sendAt, job.state.isFinal == false, sendAt > Date() {
                line += "  send at \(Timestamp.format(sendAt))"
            }
            if job.priority != .normal { line += "  priority \(job.priority.rawValue)" }
            if let last = job.lastError { line += "  last: \(last)" }
            print(line)
        }
        if !configuration.asteriskNodes.isEmpty {
            // Calls in progress per node, from the journals (up or down is in /metrics).
            let records = ((try? JournalStore(spool: spool).scan()) ?? []).compactMap(\.record)
            print("nodes: \(configuration.asteriskNodes.count)")
            for node in configuration.asteriskNodes {
                let live = records.filter {
                    $0.attempts.last.map { $0.endedAt == nil && $0.node == node.name } ?? false
                }
                print(
                    "  \(node.name)  \(node.host):\(node.port)  \(live.count)/\(node.maxChannels) channels in use  "
                        + "prefixes \(node.prefixes.joined(separator: " "))  weight \(node.weight)"
                        + (node.callsPerSecond > 0 ? "  cps \(node.callsPerSecond)" : ""))
            }
        }
        print("done: \(report.doneTotal)")
        print("failed: \(report.failedTotal)")
        for job in report.failed.reversed() {
            print("  \(job.jobID)  \(job.destination)  \(job.code ?? "-")")
        }
        let incoming = report.incoming
        let counts = ["received", "partial", "failed"].map { "\(incoming.byStatus[$0] ?? 0) \($0)" }
        print("incoming: \(counts.joined(separator: ", ")); \(incoming.pending) being received")
        for fax in incoming.recent.prefix(10) {
            print(
                "  \(fax.id)  \(fax.status.padding(toLength: 8, withPad: " ", startingAt: 0)) \(fax.folder)  \(fax.pages) pages  from \(fax.caller.isEmpty ? "-" : fax.caller)"
            )
        }
    }

    /// The job index, caught up with the sidecars; `nil` (the sidecars are read instead)
    /// when it cannot be opened, e.g. the spool is not writable by this user.
    private func openIndex(_ spool: Spool) -> JobIndex? {
        var logger = Logger(label: "faxdrop.status")
        logger.logLevel = .error
        return try? JobIndex.open(spool: spool, logger: logger)
    }

    private func showOne(_ id: JobID, spool: Spool) throws {
        if let sidecar = StatusReport.sidecar(id, spool: spool) {
            print(String(decoding: try JSONEncoder.faxdrop().encode(sidecar), as: UTF8.self))
            return
        }
        if let record = try? JournalStore(spool: spool).read(id) {
            let job = StatusReport.ActiveJob(record)
            if json {
                print(String(decoding: try JSONEncoder.faxdrop().encode(job), as: UTF8.self))
            } else {
                print(
                    "\(job.jobID) \(job.state.rawValue) \(job.destination) attempts \(job.attempts) pages \(job.pagesSent)/\(job.pagesTotal.map(String.init) ?? "?")"
                )
            }
            return
        }
        printError("error: no job \(id) in \(spool.root)")
        throw ExitCode(1)
    }
}
