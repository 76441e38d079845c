import FaxDropAMI
import FaxDropCore
import Foundation
import Logging
import NIOCore
import NIOPosix

/// A fake Asterisk manager interface on loopback that behaves like the live captures in
/// `Tests/Fixtures/asterisk-transcripts/` and like FaxDrop's dialplan
/// (`asterisk/etc/asterisk/extensions.conf`): banner, framing, login (a bad secret is
/// answered after 1 s and the connection closed), async Originate with the event
/// classes and ordering quirks of a Local-channel call, one `FaxResult` per attempt (also
/// kept in a simulated AstDB), `Hangup`, `Status`, `CoreShowChannels`, `DBGet`, `Ping`.
///
/// The outcome of a call is chosen by the dialled number (`Scenario.forNumber`); the fax
/// image is checked the way spandsp checks it. All delays are multiplied by
/// `Options.timeScale`, so tests run a "38 s" fax in a fraction of a second.
public actor AsteriskSimulator {
    public struct Options: Sendable {
        public var username = "faxdrop"
        public var secret = "faxdrop-secret"
        public var banner = "Asterisk Call Manager/9.0.0"
        /// Multiplies every simulated delay (1 = real time).
        public var timeScale: Double = 1
        /// Asterisk sleeps 1 s before answering a bad login (not scaled by default).
        public var authenticationFailureDelay: Duration = .seconds(1)
        /// Ringing before the far end answers, seconds.
        public var ringSeconds: Double = 2
        /// Transmission time of one page, seconds (a text page over T.38: 20-30 s).
        public var pageSeconds: Double = 20
        public var outboundContext = "faxout"
        public var sendContext = "faxsend"
        /// Where the spool is mounted inside "Asterisk" versus on this host.
        public var spoolMapping: SpoolMapping?
        /// Also emit events of other, unrelated calls around every call (every AMI session
        /// sees every call's events); they carry other job ids, including an earlier attempt
        /// of the same job.
        public var interleaveForeignEvents = true
        public var remoteStationID = "+1 555 010 0199"
        /// The dialplan global `FAXDROP_DIAL_TECH` (what `Getvar` answers).
        public var dialTechnology = "PJSIP"
        /// Modules `ModuleCheck` finds loaded: by default everything FaxDrop's dialplan
        /// needs. Remove `chan_pjsip` to be the Asterisk of issue 15, whose every Dial fails
        /// with "No channel type registered for 'PJSIP'" (cause 66).
        public var loadedModules: Set<String> = AsteriskSimulator.shippedModules
        /// The dialplan global `FAXDROP_RX_DIR`: where ReceiveFAX writes, as Asterisk sees
        /// it (mapped through `spoolMapping` to this host).
        public var receivingDirectory = "/var/spool/faxdrop/receiving"
        /// Appends each call's start and end to this file (`CallLogEntry`), when set.
        public var callLogPath: String?

        public init() {}
    }

    public struct SpoolMapping: Sendable {
        public var asterisk: String
        public var local: String
        public init(asterisk: String, local: String) {
            self.asterisk = asterisk
            self.local = local
        }
    }

    /// The modules a working FaxDrop Asterisk runs (a part of asterisk/etc/asterisk/modules.conf).
    public static let shippedModules: Set<String> = Set(AsteriskModules.required(dialTechnology: "PJSIP")).union([
        "res_pjsip", "res_pjsip_session", "res_pjsip_pubsub", "res_pjsip_t38", "pbx_config", "app_dial",
    ])

    /// One AMI Originate the simulator accepted, as the test sees it.
    public struct OriginateRecord: Sendable {
        public var message: AMIMessage
        /// The `Variable:` headers parsed the way Asterisk parses them (first one wins).
        public var variables: [String: String]
    }

    struct Session {
        let channel: any Channel
        var authenticated = false
        /// Event classes this session receives; nil = all.
        var classes: Set<String>?
    }

    struct Call {
        var key: String
        var number: String
        var scenario: Scenario
        var actionID: String?
        var requestedChannel: String
        var uniqueID1: String
        var uniqueID2: String
        var name1: String
        var name2: String
        var variables: [String: String]
        var timeout: Double
        var callerID: String
        var answered = false
        var faxStarted = false
        var pagesSent = 0
        var generation: Int
    }

    let options: Options
    let logger: Logger
    private var serverChannel: (any Channel)?
    var sessions: [ObjectIdentifier: Session] = [:]
    var calls: [String: Call] = [:] {
        didSet { noteCallChanges(from: oldValue) }
    }
    /// Every call this simulator carried, when it began and when it ended (issue 14).
    public internal(set) var callLog: [CallLogEntry] = []
    var openCallLogEntries: [String: Int] = [:]
    /// AstDB: family/key → value. Survives `stop()` like the real database file.
    var database: [String: String] = [:]
    private var channelSequence = 0
    private var uniqueSequence = 0
    private var generation = 0
    public private(set) var port: Int?
    private var host = "127.0.0.1"
    public private(set) var loginAttempts = 0
    public private(set) var failedLogins = 0
    public private(set) var acceptedConnections = 0
    public private(set) var originates: [OriginateRecord] = []
    /// AMI Hangup actions received, by the `Channel:` they named.
    public private(set) var hangupRequests: [String] = []

    public init(options: Options = Options(), logger: Logger = Logger(label: "faxdrop.asterisk-sim")) {
        self.options = options
        self.logger = logger
    }

    // MARK: Lifecycle

    /// Listens on `host:port` (port 0: any free port) and returns the bound port.
    @discardableResult
    public func start(host: String = "127.0.0.1", port: Int = 0) async throws -> Int {
        generation += 1
        return try await listen(host: host, port: port)
    }

    @discardableResult
    private func listen(host: String, port: Int) async throws -> Int {
        self.host = host
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let (stream, continuation) = AsyncStream<AMISimulatorInput>.makeStream()
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AMIServerHandler(continuation: continuation))
                }.map {
                    Task { await self.serve(channel, stream) }
                }
            }
        let server = try await bootstrap.bind(host: host, port: port).get()
        serverChannel = server
        self.port = server.localAddress?.port
        logger.info("simulated Asterisk AMI listening", metadata: ["port": "\(self.port ?? 0)"])
        return self.port ?? 0
    }

    /// Like an Asterisk crash: the listener and every connection close, and every call
    /// vanishes without a result. The AstDB survives. `start(port:)` brings it back.
    public func stop() async {
        generation += 1
        calls = [:]
        try? await serverChannel?.close()
        serverChannel = nil
        for session in sessions.values { try? await session.channel.close() }
        sessions = [:]
    }

    /// Like a network blip: every AMI connection is closed, calls go on.
    public func dropConnections() async {
        for session in sessions.values { try? await session.channel.close() }
        sessions = [:]
    }

    /// The manager interface goes away (listener and connections closed) while calls go
    /// on: results raised meanwhile reach no client but stay in AstDB. `resumeManager()`
    /// listens again on the same port.
    public func pauseManager() async {
        try? await serverChannel?.close()
        serverChannel = nil
        await dropConnections()
    }

    public func resumeManager() async throws {
        try await listen(host: host, port: port ?? 0)
    }

    /// Calls in progress, by the call key (`FAXDROP_CALL`, else the ActionID).
    public var activeCalls: [String] { calls.keys.sorted() }
    public var answeredCalls: [String] { calls.values.filter(\.answered).map(\.key).sorted() }
    public var connectedSessions: Int { sessions.count }
    public func storedResult(_ key: String) -> String? { database["\(StoredResult.family)/\(key)"] }
    /// Every AstDB key (`family/key`), sorted.
    public var databaseKeys: [String] { database.keys.sorted() }

    // MARK: Sessions

    private func serve(_ channel: any Channel, _ stream: AsyncStream<AMISimulatorInput>) async {
        let id = ObjectIdentifier(channel)
        acceptedConnections += 1
        sessions[id] = Session(channel: channel)
        write("\(options.banner)\r\n", to: channel)
        for await input in stream {
            guard sessions[id] != nil else { break }
            switch input {
            case .message(let message): await handle(message, session: id)
            case .error: channel.close(promise: nil)
            }
        }
        sessions[id] = nil
    }

    func write(_ text: String, to channel: any Channel) {
        channel.writeAndFlush(ByteBuffer(string: text), promise: nil)
    }

    func reply(_ session: ObjectIdentifier, _ request: AMIMessage, _ headers: KeyValuePairs<String, String>) {
        guard let channel = sessions[session]?.channel else { return }
        var m = AMIMessage()
        var first = true
        for (name, value) in headers {
            m.append(name, value)
            if first, let id = request.actionID, !id.isEmpty { m.append("ActionID", id) }
            first = false
        }
        write(m.encoded, to: channel)
    }

    /// Ends an event list (Status, CoreShowChannels, DBGet, DBGetTree): the `…Complete`
    /// event with the action's id and how many items the list held.
    func endEventList(_ request: AMIMessage, _ event: String, items: Int, on channel: any Channel) {
        var done = AMIMessage(["Event": event])
        if let id = request.actionID { done.append("ActionID", id) }
        done.append("EventList", "Complete")
        done.append("ListItems", "\(items)")
        write(done.encoded, to: channel)
    }

    /// Sends an event to every logged-in session whose event mask allows its class.
    func broadcast(_ event: AMIMessage, class eventClass: String) {
        for session in sessions.values where session.authenticated {
            if let classes = session.classes, !classes.contains(eventClass) { continue }
            write(event.encoded, to: session.channel)
        }
    }

    private func handle(_ message: AMIMessage, session: ObjectIdentifier) async {
        guard let action = message.action?.lowercased(), !action.isEmpty else {
            return reply(session, message, ["Response": "Error", "Message": "Missing action in request"])
        }
        let authenticated = sessions[session]?.authenticated == true
        if !authenticated && !["login", "logoff", "challenge"].contains(action) {
            return reply(session, message, ["Response": "Error", "Message": "Permission denied"])
        }
        switch action {
        case "login": await login(message, session: session)
        case "logoff":
            reply(session, message, ["Response": "Goodbye", "Message": "Thanks for all the fish."])
            sessions[session]?.channel.close(promise: nil)
            sessions[session] = nil
        case "ping":
            let stamp = String(format: "%.6f", Date().timeIntervalSince1970)
            reply(session, message, ["Response": "Success", "Ping": "Pong", "Timestamp": stamp])
        case "originate": originate(message, session: session)
        case "hangup": hangup(message, session: session)
        case "status": status(message, session: session)
        case "coreshowchannels": coreShowChannels(message, session: session)
        case "dbget": databaseGet(message, session: session)
        case "dbdel": databaseDelete(message, session: session)
        case "dbgettree": databaseGetTree(message, session: session)
        case "modulecheck": moduleCheck(message, session: session)
        case "getvar": getVariable(message, session: session)
        case "userevent":
            reply(session, message, ["Response": "Success", "Message": "Event Sent"])
            var event = AMIMessage(["Event": "UserEvent", "Privilege": "user,all"])
            event.append("UserEvent", message["UserEvent"] ?? "")
            for h in message.headers where !["action", "userevent"].contains(h.name.lowercased()) {
                event.append(h.name, h.value)
            }
            broadcast(event, class: "user")
        default:
            reply(
                session, message,
                [
                    "Response": "Error",
                    "Message":
                        "Invalid/unknown command: \(message.action ?? ""). Use Action: ListCommands to show available commands.",
                ])
        }
    }

    private func login(_ message: AMIMessage, session: ObjectIdentifier) async {
        loginAttempts += 1
        if sessions[session]?.authenticated == true {
            return reply(session, message, ["Response": "Success", "Message": "Already authenticated"])
        }
        guard message["Username"] == options.username, message["Secret"] == options.secret else {
            failedLogins += 1
            logger.notice("AMI login refused", metadata: ["username": "\(message["Username"] ?? "")"])
            try? await Task.sleep(for: options.authenticationFailureDelay)
            reply(session, message, ["Response": "Error", "Message": "Authentication failed"])
            sessions[session]?.channel.close(promise: nil)
            sessions[session] = nil
            return
        }
        sessions[session]?.authenticated = true
        sessions[session]?.classes = Self.eventClasses(message["Events"])
        reply(session, message, ["Response": "Success", "Message": "Authentication accepted"])
        if sessions[session]?.classes?.contains("system") ?? true, let channel = sessions[session]?.channel {
            write(
                AMIMessage([
                    "Event": "FullyBooted", "Privilege": "system,all", "Uptime": "104", "LastReload": "104",
                    "Status": "Fully Booted",
                ]).encoded, to: channel)
        }
    }

    static func eventClasses(_ mask: String?) -> Set<String>? {
        guard let mask = mask?.lowercased().trimmingCharacters(in: .whitespaces), !mask.isEmpty else { return nil }
        if ["on", "yes", "true", "y", "t"].contains(mask) { return nil }
        if ["off", "no", "false", "n", "f", "0"].contains(mask) { return [] }
        return Set(mask.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    }

    // MARK: Helpers for calls

    func nextChannelSuffix() -> String {
        channelSequence += 1
        return String(format: "%08x", channelSequence)
    }

    func nextUniqueID() -> String {
        uniqueSequence += 1
        return "\(Int(Date().timeIntervalSince1970)).\(uniqueSequence)"
    }

    var currentGeneration: Int { generation }

    func sleep(seconds: Double) async {
        try? await Task.sleep(for: .milliseconds(Int64(seconds * options.timeScale * 1000)))
    }

    func recordOriginate(_ record: OriginateRecord) { originates.append(record) }
    func recordHangupRequest(_ channel: String) { hangupRequests.append(channel) }
}
