import FaxDropAMI
import FaxDropCore
import Foundation
import Logging

/// `FAX_BACKEND=sip`: every attempt is one AMI `Originate` into Asterisk's `faxout` /
/// `faxsend` dialplan, and ends with the `FaxResult` that dialplan raises (SPEC §7).
///
/// Lifecycle: `start()` begins connecting in the background and returns at once; the
/// connection is kept up (keep-alive `Ping`, reconnect with backoff) until `shutdown()`.
/// While Asterisk is unreachable, `send` returns `.unavailable` at once: the job waits
/// and no attempt is consumed. `connectionState` / `isConnected` tell the daemon where
/// things stand.
public final class SIPBackend: FaxBackend {
    public struct Options: Sendable {
        public var pingInterval: Duration = .seconds(20)
        public var pingTimeout: Duration = .seconds(10)
        public var loginTimeout: Duration = .seconds(10)
        /// After a call ended, how long to wait for its `FaxResult` before deciding from the
        /// AMI events alone (only matters with a dialplan that raises no FaxResult).
        public var resultGrace: Duration = .seconds(5)
        /// Reconnecting, the connect timeout and the clock's tick: the AMI client's own options.
        public var connection = AMIClient.Options()
        /// `reconcile` waits this long for the AMI connection before giving up (nil result).
        public var reconcileConnectionWait: Duration = .seconds(15)
        /// How long the AstDB copy of a journaled result is kept before it is deleted.
        public var storedResultRetention: Duration = .seconds(30)
        /// Deadline per attempt: dial timeout + this budget for the pages.
        public var budget = TransmissionBudget()

        public init() {}
    }

    public let name = "sip"
    let configuration: Configuration
    let options: Options
    let logger: Logger
    let client: AMIClient

    public init(configuration: Configuration, logger: Logger, options: Options = Options()) {
        self.configuration = configuration
        self.options = options
        self.logger = logger
        var settings = AMISessionStateMachine.Settings(
            username: configuration.amiUsername, secret: configuration.amiPassword)
        settings.pingInterval = options.pingInterval
        settings.pingTimeout = options.pingTimeout
        settings.loginTimeout = options.loginTimeout
        settings.resultGrace = options.resultGrace
        settings.checkModules = true
        settings.reconcileReceives = true
        settings.storedResultRetention = options.storedResultRetention
        self.client = AMIClient(
            host: configuration.amiHost, port: configuration.amiPort, settings: settings, options: options.connection,
            logger: logger)
    }

    /// Starts connecting to Asterisk in the background. Returns at once.
    public func start() async { await client.start() }

    /// Stops reconnecting and closes the connection. Calls still waiting return
    /// `.failed(.cancelled)` without being hung up: their channels keep running in Asterisk,
    /// the dialplan keeps their result in AstDB, and `reconcile` picks it up after a restart.
    /// (Cancelling a `send` task instead hangs its call up.)
    public func shutdown() async { await client.shutdown() }

    public var connectionState: AMIConnectionState {
        get async { await client.state }
    }

    public var isConnected: Bool {
        get async { await client.state == .connected }
    }

    /// Waits until logged in to AMI, at most `timeout`. True when connected.
    public func waitUntilConnected(timeout: Duration) async -> Bool {
        await client.waitUntilConnected(timeout: timeout)
    }

    /// Connects and logs in once, and reports how that went — `.connected`,
    /// `.authenticationFailed(message)`, or `.disconnected(reason)` when Asterisk cannot be
    /// reached or the first connection ends before a login answer within `timeout`. The
    /// password never appears in it.
    public static func probe(configuration: Configuration, logger: Logger, timeout: Duration = .seconds(5))
        async -> AMIConnectionState
    {
        await probeLogin(configuration: configuration, logger: logger, timeout: timeout).state
    }

    /// For `faxdrop check`: `probe`, with what the peer said (its banner, or its refusal in
    /// Asterisk's words), by the same client and session machine as calls.
    public static func probeLogin(configuration: Configuration, logger: Logger, timeout: Duration = .seconds(5))
        async -> AMILoginProbe
    {
        var options = Options()
        options.connection.connectTimeout = timeout
        let backend = SIPBackend(configuration: configuration, logger: logger, options: options)
        await backend.start()
        // The first connection's end: logged in, refused, or gone (no retry is waited for).
        _ = await backend.client.wait(timeout: timeout) { state in
            switch state {
            case .connected, .authenticationFailed, .disconnected: return true
            case .connecting, .stopped: return false
            }
        }
        var state = await backend.connectionState
        if state == .connecting {
            state = .disconnected(
                reason: "no answer from \(configuration.amiHost):\(configuration.amiPort) within \(timeout)")
        }
        let probe = AMILoginProbe(
            state: state, greeting: await backend.client.greeting, refusal: await backend.client.loginRefusal)
        await backend.shutdown()
        return probe
    }

    /// The module check of the latest login: each module FaxDrop's dialplan needs that
    /// Asterisk has not loaded is logged as an error by name when the backend connects.
    public var moduleReport: AsteriskModuleReport? {
        get async { await client.moduleReport }
    }

    /// For `faxdrop check`: connects, logs in, asks Asterisk which of the needed modules
    /// are loaded (`ModuleCheck`), and disconnects. The state tells why there is no report.
    public static func checkModules(configuration: Configuration, logger: Logger, timeout: Duration = .seconds(5))
        async -> (state: AMIConnectionState, report: AsteriskModuleReport?)
    {
        var options = Options()
        options.connection.connectTimeout = timeout
        let backend = SIPBackend(configuration: configuration, logger: logger, options: options)
        await backend.start()
        let report = await backend.client.waitForModuleReport(timeout: timeout)
        let state = await backend.connectionState
        await backend.shutdown()
        return (state, report)
    }

    /// TCP connections attempted since `start()` (diagnostics).
    public var connectionAttempts: Int {
        get async { await client.connectionAttempts }
    }

    /// The deadline of one attempt: dial timeout plus the transmission budget of its pages.
    public func deadline(for call: CallRequest) -> Duration {
        options.budget.deadline(for: call, dialTimeout: configuration.dialTimeout)
    }

    public func send(_ call: CallRequest) async -> CallResult {
        var logger = self.logger
        logger[metadataKey: "job"] = "\(call.jobID)"
        logger[metadataKey: "attempt"] = "\(call.attempt)"
        let originate: OriginateAction
        do {
            originate = try OriginateAction(call: call, configuration: configuration)
        } catch {
            logger.error("cannot place the call", metadata: ["error": "\(error.message)"])
            return CallResult(status: .failed(error.code), pagesSent: 0, message: error.message)
        }
        let deadline = deadline(for: call)
        logger.info(
            "originating fax call",
            metadata: [
                "destination": "\(call.destination)", "channel": "\(originate.channel)",
                "pages": "\(call.pages)", "deadline_s": "\(deadline.milliseconds / 1000)",
            ])
        let result = await client.place(
            originate, jobID: call.jobID.value, attempt: call.attempt, deadline: deadline)
        log(result, logger: logger)
        return result
    }

    public func reconcile(_ call: CallRequest, startedAt: Date) async -> CallResult? {
        var logger = self.logger
        logger[metadataKey: "job"] = "\(call.jobID)"
        logger[metadataKey: "attempt"] = "\(call.attempt)"
        guard let originate = try? OriginateAction(call: call, configuration: configuration) else { return nil }
        guard await client.waitUntilConnected(timeout: options.reconcileConnectionWait) else {
            logger.warning("cannot reconcile the call: Asterisk is not connected")
            return nil
        }
        let elapsed = Date().timeIntervalSince(startedAt)
        let remaining = deadline(for: call) - .milliseconds(Int64(elapsed * 1000))
        let result = await client.reconcile(
            originate, jobID: call.jobID.value, attempt: call.attempt, deadline: max(remaining, .seconds(30)))
        logger.info("reconciled call", metadata: ["outcome": "\(describe(result.status))"])
        log(result, logger: logger)
        return result
    }

    /// Received faxes (SPEC §10): every `FaxReceived` event, and after each login every
    /// receive whose AstDB copy is still there (so one that ended during an AMI outage or
    /// a FaxDrop restart is not lost). A receive can come more than once.
    public var receivedFaxes: AsyncStream<ReceiveReport> { client.receivedFaxes }

    /// The receive is landed (PDF and sidecar durable): its AstDB copy is deleted.
    public func receiveLanded(receiveID: String) async {
        await client.forgetReceive(receiveID: receiveID)
    }

    /// The engine journaled this attempt's result: Asterisk's AstDB copy is deleted
    /// (`DBDel FaxDrop/<call id>`) after `storedResultRetention`.
    public func resultJournaled(jobID: JobID, attempt: Int) async {
        await client.forgetStoredResult(callID: "\(jobID.value)-\(attempt)")
    }

    private func log(_ result: CallResult, logger: Logger) {
        let metadata: Logger.Metadata = [
            "outcome": "\(describe(result.status))", "pages_sent": "\(result.pagesSent)",
            "fax_status": "\(result.details.faxStatus ?? "-")", "fax_error": "\(result.details.faxError ?? "-")",
            "hangup_cause": "\(result.details.hangupCause.map(String.init) ?? "-")",
            "dial_status": "\(result.details.dialStatus ?? "-")",
        ]
        switch result.status {
        case .sent: logger.info("fax call ended: \(result.message)", metadata: metadata)
        case .unavailable: logger.notice("fax call not placed: \(result.message)", metadata: metadata)
        case .failed(.internalError), .failed(.channelDriverMissing):
            logger.error("fax call ended: \(result.message)", metadata: metadata)
        case .failed: logger.notice("fax call ended: \(result.message)", metadata: metadata)
        }
    }

    private func describe(_ status: CallResult.Status) -> String {
        switch status {
        case .sent: return "sent"
        case .unavailable: return "unavailable"
        case .failed(let code): return code.rawValue
        }
    }
}
