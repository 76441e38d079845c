import ArgumentParser
import AsteriskSimulator
import Foundation
import Logging

/// `faxdrop-asterisk-sim`: a fake Asterisk AMI for demos and end-to-end tests.

struct AsteriskSimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faxdrop-asterisk-sim",
        abstract: "A simulated Asterisk manager interface (AMI) that sends pretend faxes.",
        discussion: """
            Point FaxDrop at it with FAX_BACKEND=sip, ASTERISK_AMI_HOST, ASTERISK_AMI_PORT,
            ASTERISK_AMI_USERNAME and ASTERISK_AMI_PASSWORD. The outcome of a call depends on the
            last four digits of the number: 0486 busy, 0480 no answer, 0503 congestion,
            0404 unallocated number, 0403 rejected, 0502 channel unavailable, 0488 line drops
            after the first of several pages, 0606 T.38 negotiation fails, 0408 never ends; anything else
            is answered and the TIFF is checked as spandsp would.
            """)

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "TCP port (0 picks a free one and prints it).") var port = 5038
    @Option(help: "AMI user name.") var username =
        ProcessInfo.processInfo.environment["ASTERISK_AMI_USERNAME"] ?? "faxdrop"
    @Option(help: "AMI secret (default: $ASTERISK_AMI_PASSWORD, else faxdrop-secret).")
    var secret = ProcessInfo.processInfo.environment["ASTERISK_AMI_PASSWORD"] ?? "faxdrop-secret"
    @Option(help: "Multiply every simulated delay by this factor (1 = real time).") var timeScale = 0.1
    @Option(help: "Spool path as FaxDrop sends it (FAXDROP_ASTERISK_SPOOL), mapped to --local-spool.")
    var asteriskSpool: String?
    @Option(help: "Where that spool really is on this host.") var localSpool: String?
    @Option(
        name: .customLong("without-module"),
        help:
            "Act as an Asterisk that did not load this module (repeatable), e.g. chan_pjsip: ModuleCheck says so and every dial fails with cause 66."
    )
    var withoutModules: [String] = []
    @Option(help: "Append each call's start and end to this file: '<time> originate|hangup <job>-<attempt> <number>'.")
    var callLog: String?

    func run() async throws { try await serve() }

    func serve() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "faxdrop.asterisk-sim")
        logger.logLevel = .info
        var options = AsteriskSimulator.Options()
        options.username = username
        options.secret = secret
        options.timeScale = timeScale
        options.loadedModules.subtract(withoutModules)
        options.callLogPath = callLog
        if let asteriskSpool, let localSpool {
            options.spoolMapping = .init(asterisk: asteriskSpool, local: localSpool)
        }
        let simulator = AsteriskSimulator(options: options, logger: logger)
        let bound = try await simulator.start(host: host, port: port)
        FileHandle.standardOutput.write(Data("faxdrop-asterisk-sim listening on \(host):\(bound)\n".utf8))
        while true { try await Task.sleep(for: .seconds(3600)) }
    }
}

// `main.swift` has top-level code, so `@main` cannot be used; run the async entry point.
do {
    let command = try AsteriskSimulatorCommand.parse()
    try await command.serve()
} catch {
    AsteriskSimulatorCommand.exit(withError: error)
}
