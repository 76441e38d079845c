import FaxDropAMI
import FaxDropAsterisk
import FaxDropCore
import FaxDropSystem
import Foundation
import Logging
import Synchronization

/// Where received faxes are reported from: the SIP backend (events and AstDB copies).
public protocol FaxReceiveSource: Sendable {
    var receivedFaxes: AsyncStream<ReceiveReport> { get }
    /// The receive is landed for good: the source may drop its copy.
    func receiveLanded(receiveID: String) async
}

extension SIPBackend: FaxReceiveSource {}

/// Told about each received fax once it is landed (hooks, metrics).
public protocol ReceiveObserver: Sendable {
    func faxReceived(_ landed: ReceiveLander.Landed)
}

/// Receiving as a daemon service (SPEC §10): at start-up it finishes every landing a crash
/// interrupted (from the journals in `receiving/`), then lands each fax the source reports,
/// one at a time, and tells the source once the PDF and sidecar are durable. A landing
/// that fails (disk full) is retried with the next report of the same receive, which the
/// source repeats after every reconnection while its AstDB copy exists.
public final class ReceiveService: DaemonService {
    public let serviceName = "receiver"
    let lander: ReceiveLander
    let source: (any FaxReceiveSource)?
    let logger: Logger
    let onLanded: @Sendable (ReceiveLander.Landed) async -> Void
    /// A received file older than this that no event, AstDB copy or journal names is
    /// landed on its own (`FAXDROP_INCOMING_ORPHAN_MINUTES`).
    let orphanAge: Duration
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let observers = Mutex<[any ReceiveObserver]>([])

    /// Adds an observer; call before `start()`.
    public func addObserver(_ observer: any ReceiveObserver) {
        observers.withLock { $0.append(observer) }
    }

    public init(
        lander: ReceiveLander, source: (any FaxReceiveSource)?, logger: Logger, orphanAge: Duration = .seconds(3600),
        onLanded: @escaping @Sendable (ReceiveLander.Landed) async -> Void = { _ in }
    ) {
        self.lander = lander
        self.source = source
        self.logger = logger
        self.onLanded = onLanded
        self.orphanAge = orphanAge
    }

    public func start() async throws {
        try Syscall.mkdirIfNeeded(lander.spool.receiving)
        for name in (try? Syscall.listDirectory(lander.spool.receiving)) ?? [] where name.hasSuffix(".json") {
            let receiveID = String(name.dropLast(5))
            if let event = lander.interrupted(receiveID) {
                logger.notice("finishing a receive interrupted by a restart", metadata: ["asterisk_id": "\(receiveID)"])
                await land(event)
            }
        }
        guard let source else { return }
        let stream = source.receivedFaxes
        let running = Task { [self] in
            for await report in stream {
                switch report {
                case .received(let event): await land(event)
                case .storedReceivesRead(let stored): await landOrphans(except: stored)
                }
            }
        }
        task.withLock { $0 = running }
    }

    public func stop() async {
        task.withLock { $0 }?.cancel()
    }

    /// Received files with no result: Asterisk stopped (or lost its AstDB) during the call,
    /// or the copy was deleted by hand. Once every AstDB copy was read and landed, a file
    /// older than `orphanAge` (no call lasts that long) that no copy names and that has no
    /// journal is landed as it is, under `incoming/unknown/` (its DID is not known): its pages
    /// are kept, the sidecar says what is missing.
    public func landOrphans(except stored: Set<String>, now: Date = Date()) async {
        let folder = lander.spool.receiving
        for name in (try? Syscall.listDirectory(folder)) ?? [] where name.hasSuffix(".tif") {
            let receiveID = String(name.dropLast(4))
            guard InboundText.receiveID(receiveID) != nil, !stored.contains(receiveID),
                (try? Syscall.lstatIfExists(folder + "/" + receiveID + ".json")) == nil,
                let status = try? Syscall.lstatIfExists(folder + "/" + name)
            else { continue }
            let age = now.timeIntervalSince1970 - Double(status.modifiedNanoseconds) / 1e9
            guard age > Double(orphanAge.components.seconds) else { continue }
            var event = FaxReceivedEvent()
            event.receiveID = receiveID
            event.status = "FAILED"
            event.error = "NO_RESULT"
            event.statusString = "Asterisk reported no result for this call"
            logger.warning(
                "landing a received file Asterisk reported no result for", metadata: ["asterisk_id": "\(receiveID)"])
            await land(event)
        }
    }

    /// Lands one receive; true when it is landed (now or before).
    @discardableResult
    public func land(_ event: FaxReceivedEvent) async -> Bool {
        do {
            if let landed = try lander.land(event, logger: logger) {
                for observer in observers.withLock({ $0 }) { observer.faxReceived(landed) }
                await onLanded(landed)
            }
            if let id = InboundText.receiveID(event.receiveID) { await source?.receiveLanded(receiveID: id) }
            return true
        } catch {
            logger.error(
                "cannot land a received fax; it stays in receiving/ and is retried",
                metadata: ["asterisk_id": "\(InboundText.sanitise(event.receiveID))", "error": "\(error)"])
            return false
        }
    }
}
