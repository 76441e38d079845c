import FaxDropCore

/// The AMI client's protocol logic with no I/O: connection (banner → login → ready),
/// keep-alive, and every call in flight (Originate → OriginateResponse / Hangup /
/// UserEvent FaxResult in any order → one result), across reconnects.
///
/// A value type: each input is a mutating method taking the current time and returning
/// the actions the caller performs (write a message, finish a call, close the socket).
/// Time is always passed in, so deadlines and keep-alives are tested without waiting.
public struct AMISessionStateMachine: Sendable {
    public typealias Instant = ContinuousClock.Instant

    public struct Settings: Sendable {
        public var username: String
        public var secret: Secret
        /// A `Ping` is sent after this long without traffic.
        public var pingInterval: Duration = .seconds(20)
        /// No answer to a `Ping` within this long: the connection is dead.
        public var pingTimeout: Duration = .seconds(10)
        /// Banner and login must complete within this long.
        public var loginTimeout: Duration = .seconds(10)
        /// After a call ended (its `;1` hung up, or Originate failed), how long to wait for
        /// its `FaxResult` before deciding from the AMI events alone.
        public var resultGrace: Duration = .seconds(5)
        /// After each login, ask Asterisk (Getvar, ModuleCheck) whether the modules the
        /// dialplan needs are loaded, and report them (`Action.modulesChecked`).
        public var checkModules = false
        /// After each login, ask AstDB for the receives it still holds (`DBGetTree FaxDropRx`),
        /// so faxes received while FaxDrop was away are landed (SPEC §10).
        public var reconcileReceives = false
        /// How long after FaxDrop journaled a result its AstDB copy is kept before `DBDel`
        /// (a late duplicate report of the same call still finds it and stays silent).
        public var storedResultRetention: Duration = .seconds(30)

        public init(username: String, secret: Secret) {
            self.username = username
            self.secret = secret
        }
    }

    public enum ConnectionState: Sendable, Equatable {
        case disconnected
        case awaitingBanner
        case authenticating
        case ready
        /// Asterisk refused the login; the message says why. Terminal for this connection.
        case authenticationFailed(String)
    }

    public enum Action: Sendable, Equatable {
        /// Write this message to Asterisk.
        case send(AMIMessage)
        /// The call has its result; hand it to whoever waits for it.
        case complete(callID: String, result: CallResult)
        /// Close the connection (the reason is for the log).
        case close(reason: String)
        /// Logged in: the connection can place calls.
        case ready(banner: String)
        /// The login was refused: do not retry soon.
        case authenticationFailed(message: String)
        /// Asterisk answered every ModuleCheck (`Settings.checkModules`).
        case modulesChecked(AsteriskModuleReport)
        /// A fax was received (SPEC §10): from its `FaxReceived` event, or from its AstDB
        /// copy after a (re)connection. The same receive can come both ways: landing it is
        /// idempotent by receive id.
        case faxReceived(FaxReceivedEvent)
        /// The AstDB copies of receives were all read after a login (their receive ids):
        /// a received file none of them names, and no event either, has no result coming.
        case storedReceivesRead(Set<String>)
    }

    /// What an outstanding action's response means.
    enum PendingAction: Sendable, Hashable {
        case login, ping
        case originate(callID: String)
        case hangup(callID: String)
        case databaseGet(callID: String)
        case status(callID: String)
        case dialTechnology
        case moduleCheck(module: String)
        case databaseDelete(callID: String)
        /// `DBGetTree FaxDropRx`: the receives whose copies are still in AstDB.
        case receiveTree
        case receiveDelete(receiveID: String)
    }

    struct TrackedCall: Sendable {
        var originate: OriginateAction
        var jobID: String
        var attempt: Int
        var deadline: Instant
        /// The `;1` channel's Uniqueids (the ChannelId we chose, or the one Asterisk reported).
        var uniqueIDs: Set<String>
        var channelName: String?
        var originateQueued = false
        var originateReason: Int?
        var answered = false
        var hangupCause: Int?
        /// When the call was seen to end without a FaxResult yet (grace starts).
        var endedAt: Instant?
        /// The connection dropped while the call was in flight: ask Asterisk what became of it.
        var needsReconcile = false
        /// FaxDrop hung the call up (deadline or cancel): the code it ends with, and since
        /// when the FaxResult the hang-up provokes (with the pages done) is awaited.
        var terminating: (code: ErrorCode, message: String, since: Instant)?
    }

    public internal(set) var state: ConnectionState = .disconnected
    public internal(set) var banner: String?
    var settings: Settings
    var calls: [String: TrackedCall] = [:]
    var pending: [String: PendingAction] = [:]
    var sequence = 0
    var lastReceived: Instant?
    var lastSent: Instant?
    var pingSentAt: Instant?
    var connectedAt: Instant?
    /// The module check of this connection while answers are outstanding.
    var moduleCheck: (report: AsteriskModuleReport, outstanding: Set<String>)?
    /// The dialplan's `FAXDROP_DIAL_TECH`, once Asterisk told it (names the driver of a cause 66).
    public internal(set) var dialTechnology: String?
    /// AstDB copies (by call id) to delete with `DBDel`, and from when on.
    public internal(set) var storedResultsToDelete: [String: Instant] = [:]
    /// AstDB copies of receives (`FaxDropRx/<receive id>`) landed and to delete with `DBDel`.
    public internal(set) var receivesToDelete: Set<String> = []
    /// Receive ids read so far from the current `DBGetTree`.
    var receiveTreeKeys: Set<String> = []

    public init(settings: Settings) { self.settings = settings }

    /// Calls not yet finished.
    public var callsInFlight: [String] { calls.keys.sorted() }

    // MARK: Connection

    /// A TCP connection is up; the banner comes next.
    public mutating func connected(now: Instant) -> [Action] {
        state = .awaitingBanner
        banner = nil
        pending = [:]
        moduleCheck = nil
        connectedAt = now
        lastReceived = now
        lastSent = now
        pingSentAt = nil
        return []
    }

    /// The connection is gone. Calls stay tracked and are reconciled after the next login.
    public mutating func connectionClosed(now: Instant) -> [Action] {
        if case .authenticationFailed = state {} else { state = .disconnected }
        pending = [:]
        pingSentAt = nil
        for id in calls.keys { calls[id]?.needsReconcile = true }
        return []
    }

    public mutating func received(_ frame: AMIFrame, now: Instant) -> [Action] {
        lastReceived = now
        switch frame {
        case .banner(let text):
            guard state == .awaitingBanner else { return [] }
            guard text.hasPrefix("Asterisk Call Manager/") else {
                return [.close(reason: "not an Asterisk manager interface: '\(text.prefix(80))'")]
            }
            banner = text
            state = .authenticating
            let id = nextActionID("login")
            pending[id] = .login
            let login = AMIAction.login(username: settings.username, secret: settings.secret, events: "call,user")
            return [send(login, id: id, now: now)]
        case .message(let message):
            if let event = AMIEvent(message) { return handleEvent(event, now: now) }
            return handleResponse(AMIResponse(message), now: now)
        }
    }

    /// Keep-alive, login timeout, per-call deadlines and result grace periods.
    public mutating func tick(now: Instant) -> [Action] {
        var actions: [Action] = []
        switch state {
        case .awaitingBanner, .authenticating:
            if let connectedAt, now - connectedAt > settings.loginTimeout {
                actions.append(.close(reason: "no AMI banner or login answer within \(settings.loginTimeout)"))
            }
        case .ready:
            if let pingSentAt {
                if now - pingSentAt > settings.pingTimeout {
                    actions.append(.close(reason: "no answer to Ping within \(settings.pingTimeout)"))
                }
            } else if let last = [lastSent, lastReceived].compactMap({ $0 }).max(), now - last >= settings.pingInterval
            {
                let id = nextActionID("ping")
                pending[id] = .ping
                pingSentAt = now
                actions.append(send(.ping, id: id, now: now))
            }
        default: break
        }
        actions += deleteDueStoredResults(now: now)
        for (callID, call) in calls.sorted(by: { $0.key < $1.key }) {
            if let terminating = call.terminating {
                if now - terminating.since >= settings.resultGrace {
                    actions.append(
                        finish(
                            callID,
                            CallResult(
                                status: .failed(terminating.code), pagesSent: 0, message: terminating.message,
                                details: details(of: call))))
                }
            } else if now >= call.deadline {
                if state == .ready && !call.needsReconcile {
                    actions += terminate(
                        callID, .timeout,
                        "no result within the call's deadline (\(call.originate.timeout) to answer "
                            + "plus the transmission budget); hung up", now: now)
                } else {
                    actions.append(
                        finish(
                            callID,
                            CallResult(
                                status: .failed(.interrupted), pagesSent: 0,
                                message: "Asterisk could not be asked what became of the call before its deadline",
                                details: details(of: call))))
                }
            } else if let ended = call.endedAt, now - ended >= settings.resultGrace {
                actions.append(finish(callID, fallbackResult(call)))
            }
        }
        return actions
    }

    // MARK: Calls

    /// Places a call. When AMI is not ready the call completes at once as `.unavailable`.
    public mutating func originate(
        _ originate: OriginateAction, jobID: String, attempt: Int, deadline: Instant, now: Instant
    ) -> [Action] {
        guard state == .ready else {
            return [
                .complete(
                    callID: originate.callID,
                    result: CallResult(status: .unavailable, pagesSent: 0, message: unavailableMessage))
            ]
        }
        calls[originate.callID] = TrackedCall(
            originate: originate, jobID: jobID, attempt: attempt, deadline: deadline,
            uniqueIDs: [originate.channelID])
        pending[originate.actionID] = .originate(callID: originate.callID)
        return [send(originate.message, now: now)]
    }

    /// Takes over a call placed earlier (before a restart): Asterisk is asked what became of it.
    public mutating func reconcile(
        _ originate: OriginateAction, jobID: String, attempt: Int, deadline: Instant, now: Instant
    ) -> [Action] {
        var call = TrackedCall(
            originate: originate, jobID: jobID, attempt: attempt, deadline: deadline,
            uniqueIDs: [originate.channelID])
        call.originateQueued = true
        call.needsReconcile = true
        calls[originate.callID] = call
        return state == .ready ? [askDatabase(originate.callID, now: now)] : []
    }

    /// Hangs the call up and completes it as cancelled, with the pages the hang-up's
    /// FaxResult reports (waited for at most `resultGrace`). Without AMI: at once.
    public mutating func cancel(callID: String, now: Instant) -> [Action] {
        guard let call = calls[callID], call.terminating == nil else { return [] }
        guard state == .ready else {
            return [
                finish(
                    callID,
                    CallResult(
                        status: .failed(.cancelled), pagesSent: 0,
                        message: "cancelled; Asterisk was not connected to hang the call up", details: details(of: call)
                    ))
            ]
        }
        return terminate(callID, .cancelled, "cancelled; the call was hung up", now: now)
    }

    /// Logged in: a `Logoff`, so Asterisk ends the session itself (before the socket is
    /// closed on purpose). Nothing when not logged in.
    public mutating func logoff(now: Instant) -> [Action] {
        guard state == .ready else { return [] }
        return [send(.logoff, id: nextActionID("logoff"), now: now)]
    }

    /// Sends the AMI Hangup and waits (at most `resultGrace`) for the FaxResult it provokes.
    mutating func terminate(_ callID: String, _ code: ErrorCode, _ message: String, now: Instant) -> [Action] {
        calls[callID]?.terminating = (code, message, now)
        return [hangupMessage(callID, now: now)]
    }
}
