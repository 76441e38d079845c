import FaxDropCore
import Logging
import NIOCore
import NIOPosix

/// The AMI connection: a thin actor around `AMISessionStateMachine` that owns the socket,
/// reconnects with backoff, drives the machine's clock, and performs its actions.
public actor AMIClient {
    public struct Options: Sendable {
        public var reconnectInitialDelay: Duration = .milliseconds(500)
        public var reconnectMaximumDelay: Duration = .seconds(30)
        /// After a refused login, wait this long before trying again (no reconnect storm).
        public var authenticationRetryDelay: Duration = .seconds(300)
        public var connectTimeout: Duration = .seconds(5)
        /// How often deadlines and keep-alives are checked.
        public var tickInterval: Duration = .milliseconds(250)

        public init() {}
    }

    public let host: String
    public let port: Int
    public let options: Options
    let logger: Logger
    let group: any EventLoopGroup
    private var machine: AMISessionStateMachine
    private var channel: (any Channel)?
    private var waiters: [String: CheckedContinuation<CallResult, Never>] = [:]
    private var runTask: Task<Void, Never>?
    private var tickTask: Task<Void, Never>?
    public private(set) var state: AMIConnectionState = .stopped
    private var stateWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter = 0
    /// Connection attempts made (for diagnostics and tests).
    public private(set) var connectionAttempts = 0
    /// What Asterisk said about the needed modules after the latest login (`checkModules`).
    public private(set) var moduleReport: AsteriskModuleReport?
    /// The first line the latest connection's peer sent (an AMI banner, or whatever a
    /// server that is not Asterisk says), for `faxdrop check`.
    public private(set) var greeting: String?
    /// Asterisk's own words when it refused the login (`Authentication failed`).
    public private(set) var loginRefusal: String?

    public init(
        host: String, port: Int, settings: AMISessionStateMachine.Settings, options: Options, logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.host = host
        self.port = port
        self.options = options
        self.logger = logger
        self.group = group
        self.machine = AMISessionStateMachine(settings: settings)
        (receivedFaxes, receivedFaxesContinuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    // MARK: Lifecycle

    public func start() {
        guard runTask == nil else { return }
        setState(.connecting)
        runTask = Task { await self.run() }
        tickTask = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: self.options.tickInterval)
                self.tick()
            }
        }
    }

    public func shutdown() async {
        runTask?.cancel()
        tickTask?.cancel()
        perform(machine.logoff(now: .now))
        let closing = channel
        channel = nil
        try? await closing?.close()
        await runTask?.value
        await tickTask?.value
        runTask = nil
        tickTask = nil
        // The calls are left running in Asterisk (not hung up): their results stay in AstDB
        // and `reconcile` finds them after the restart. The engine, when stopping, keeps a
        // call that ends `.cancelled` journaled as in flight.
        for (id, waiter) in waiters {
            waiter.resume(
                returning: CallResult(
                    status: .failed(.cancelled), pagesSent: 0,
                    message: "FaxDrop stopped during the call; it was left running in Asterisk, to be reconciled",
                    details: CallDetails(channelUniqueID: "fax-\(id)")))
        }
        waiters = [:]
        machine = AMISessionStateMachine(settings: machine.settings)
        setState(.stopped)
    }

    /// Waits until connected or `timeout` passes; true when connected.
    public func waitUntilConnected(timeout: Duration) async -> Bool {
        await wait(timeout: timeout) { $0 == .connected }
    }

    /// Waits until `condition` holds for the connection state, at most `timeout`.
    public func wait(timeout: Duration, until condition: (AMIConnectionState) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !condition(state) {
            guard await sleepUntilWoken(deadline: deadline) else { return false }
        }
        return true
    }

    /// Waits for the module report of a login, or until the login failed or `timeout` passed.
    public func waitForModuleReport(timeout: Duration) async -> AsteriskModuleReport? {
        let deadline = ContinuousClock.now + timeout
        while moduleReport == nil {
            if case .authenticationFailed = state { break }
            guard await sleepUntilWoken(deadline: deadline) else { break }
        }
        return moduleReport
    }

    /// Sleeps until the state changes, a module report comes, or 200 ms pass; false once
    /// `deadline` has passed.
    private func sleepUntilWoken(deadline: ContinuousClock.Instant) async -> Bool {
        let remaining = deadline - .now
        if remaining <= .zero { return false }
        let id = nextWaiter
        nextWaiter += 1
        let timer = Task {
            try? await Task.sleep(for: min(remaining, .milliseconds(200)))
            self.wakeStateWaiter(id)
        }
        await withCheckedContinuation { stateWaiters[id] = $0 }
        timer.cancel()
        return true
    }

    private func wakeStateWaiter(_ id: Int) {
        stateWaiters.removeValue(forKey: id)?.resume()
    }

    private func setState(_ new: AMIConnectionState) {
        guard new != state else { return }
        state = new
        for waiter in stateWaiters.values { waiter.resume() }
        stateWaiters = [:]
    }

    // MARK: Calls

    public func place(_ originate: OriginateAction, jobID: String, attempt: Int, deadline: Duration) async -> CallResult
    {
        let callID = originate.callID
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<CallResult, Never>) in
                if Task.isCancelled {
                    continuation.resume(
                        returning: CallResult(
                            status: .failed(.cancelled), pagesSent: 0, message: "cancelled before dialling"))
                    return
                }
                waiters[callID] = continuation
                let now = ContinuousClock.now
                perform(
                    machine.originate(originate, jobID: jobID, attempt: attempt, deadline: now + deadline, now: now))
            }
        } onCancel: {
            Task { await self.cancel(callID) }
        }
    }

    public func reconcile(_ originate: OriginateAction, jobID: String, attempt: Int, deadline: Duration) async
        -> CallResult
    {
        await withCheckedContinuation { (continuation: CheckedContinuation<CallResult, Never>) in
            waiters[originate.callID] = continuation
            let now = ContinuousClock.now
            perform(machine.reconcile(originate, jobID: jobID, attempt: attempt, deadline: now + deadline, now: now))
        }
    }

    /// The journal holds the call's result: its AstDB copy is deleted (later, when AMI is up).
    public func forgetStoredResult(callID: String) {
        perform(machine.forgetStoredResult(callID: callID, now: .now))
    }

    /// Received faxes as they are reported (events and AstDB copies after each login).
    public nonisolated let receivedFaxes: AsyncStream<ReceiveReport>
    private let receivedFaxesContinuation: AsyncStream<ReceiveReport>.Continuation

    public func forgetReceive(receiveID: String) {
        perform(machine.forgetReceive(receiveID: receiveID, now: .now))
    }

    public func cancel(_ callID: String) {
        perform(machine.cancel(callID: callID, now: .now))
    }

    // MARK: Connection loop

    private func run() async {
        var delay = options.reconnectInitialDelay
        while !Task.isCancelled {
            connectionAttempts += 1
            var reason = "connection closed by Asterisk"
            var wasReady = false
            do {
                let (stream, continuation) = AsyncStream<AMIConnectionEvent>.makeStream()
                let channel = try await connect(continuation)
                self.channel = channel
                perform(machine.connected(now: .now))
                for await event in stream {
                    switch event {
                    case .frame(let frame):
                        if case .banner(let text) = frame { greeting = text }
                        let actions = machine.received(frame, now: .now)
                        if actions.contains(where: { if case .ready = $0 { return true } else { return false } }) {
                            wasReady = true
                        }
                        perform(actions)
                    case .error(let message):
                        reason = message
                    }
                }
                if self.channel === channel { self.channel = nil }
                try? await channel.close()
            } catch {
                reason = "cannot connect to \(host):\(port): \(error)"
            }
            channel = nil
            perform(machine.connectionClosed(now: .now))
            if Task.isCancelled { break }
            let wait: Duration
            if case .authenticationFailed = machine.state {
                // perform(.authenticationFailed) already set the state and logged it.
                wait = options.authenticationRetryDelay
            } else {
                if wasReady { delay = options.reconnectInitialDelay }
                setState(.disconnected(reason: reason))
                logger.warning(
                    "AMI disconnected; reconnecting",
                    metadata: ["reason": "\(reason)", "retry_in": "\(delay)", "calls_in_flight": "\(waiters.count)"])
                // ±20 % jitter, so several gateways do not reconnect in step.
                wait = delay * Double.random(in: 0.8...1.2)
                delay = min(delay * 2, options.reconnectMaximumDelay)
            }
            do { try await Task.sleep(for: wait) } catch { break }
            setState(.connecting)
        }
    }

    private func connect(_ continuation: AsyncStream<AMIConnectionEvent>.Continuation) async throws -> any Channel {
        let timeout = TimeAmount.milliseconds(options.connectTimeout.milliseconds)
        return try await ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        AMIFrameHandler(expectBanner: true, continuation: continuation))
                }
            }
            .connect(host: host, port: port).get()
    }

    private func tick() {
        perform(machine.tick(now: .now))
    }

    // MARK: Actions

    private func perform(_ actions: [AMISessionStateMachine.Action]) {
        for action in actions {
            switch action {
            case .send(let message):
                guard let channel else { continue }
                logger.trace("AMI >>", metadata: ["message": "\(message)"])
                channel.writeAndFlush(ByteBuffer(string: message.encoded), promise: nil)
            case .complete(let callID, let result):
                waiters.removeValue(forKey: callID)?.resume(returning: result)
            case .close(let reason):
                logger.warning("closing the AMI connection", metadata: ["reason": "\(reason)"])
                channel?.close(promise: nil)
            case .ready(let banner):
                logger.info("AMI connected", metadata: ["host": "\(host)", "port": "\(port)", "banner": "\(banner)"])
                setState(.connected)
            case .authenticationFailed(let message):
                logger.error(
                    "\(message); check ASTERISK_AMI_USERNAME / ASTERISK_AMI_PASSWORD and manager.conf",
                    metadata: ["retry_in": "\(options.authenticationRetryDelay)"])
                if case .authenticationFailed(let reason) = machine.state { loginRefusal = reason }
                setState(.authenticationFailed(message))
            case .faxReceived(let event):
                receivedFaxesContinuation.yield(.received(event))
            case .storedReceivesRead(let ids):
                receivedFaxesContinuation.yield(.storedReceivesRead(ids))
            case .modulesChecked(let report):
                logModules(report)
                moduleReport = report
                for waiter in stateWaiters.values { waiter.resume() }
                stateWaiters = [:]
            }
        }
    }

    /// One error line per missing module, by name; one info line when all are there.
    private func logModules(_ report: AsteriskModuleReport) {
        let technology = report.technologyFromDialplan ? report.dialTechnology : "\(report.dialTechnology) (assumed)"
        for module in report.missing {
            logger.error(
                "Asterisk module missing: \(report.explanation(of: module))",
                metadata: ["module": "\(module)", "dial_tech": "\(technology)"])
        }
        for (module, message) in report.unknown {
            logger.warning(
                "cannot ask Asterisk whether \(module) is loaded: \(message) (manager.conf write = system)",
                metadata: ["module": "\(module)"])
        }
        if report.missing.isEmpty && report.unknown.isEmpty {
            logger.info(
                "Asterisk has the modules FaxDrop needs",
                metadata: ["dial_tech": "\(technology)", "modules": "\(report.loaded.joined(separator: ","))"])
        }
    }
}
