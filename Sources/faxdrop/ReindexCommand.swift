import ArgumentParser
import FaxDropCore
import FaxDropDaemon
import FaxDropIndex
import Foundation
import Logging

/// `faxdrop reindex`: rebuilds the job index from the sidecars and journals (the index is
/// only a mirror of them) and prints what it holds and how long it took.
struct ReindexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Rebuild the job index (spool/index/jobs.sqlite) from the sidecars and journals.")

    @OptionGroup var common: CommonOptions

    func run() throws {
        let configuration = try common.load()
        let spool = Spool(root: configuration.spool)
        var logger = Logger(label: "faxdrop.reindex")
        logger.logLevel = .warning
        let started = Date()
        let report: JobIndex.SyncReport
        do {
            let index = try JobIndex.open(spool: spool, catchUp: false, logger: logger)
            report = try index.rebuild()
        } catch {
            printError("error: cannot rebuild the job index: \(error)")
            throw ExitCode(1)
        }
        let seconds = Date().timeIntervalSince(started)
        print("indexed \(report.sent) sent, \(report.failed) failed, \(report.live) active")
        if report.unreadable > 0 { print("unreadable sidecars left out: \(report.unreadable)") }
        print(String(format: "time: %.2f s", seconds))
    }
}
