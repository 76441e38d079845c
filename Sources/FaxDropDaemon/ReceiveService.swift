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
/// interrupted (from the journals in `receiving/`), then lands each fax the sources report,
/// one at a time, and tells the reporting source once the PDF and sidecar are durable. A
/// landing that fails (disk full) is retried with the next report of the same receive, which
/// the source repeats after every reconnection while its AstDB copy exists.
///
/// With several Asterisk nodes (`FAXDROP_ASTERISK_NODES`) there is one source per node, all
/// listened to at once: a node that is down holds up no other, and one that comes back
/// reports its AstDB copies again, as a single node does. A receive is known by its node and
/// its receive id together (see `ReceiveLander`).
public final class ReceiveService: DaemonService {
    /// One place faxes are received from: a node's AMI session and the folder its Asterisk
    /// writes received files to (as FaxDrop sees it; nil: the spool's `receiving/`).
    public struct Node: Sendable {
        /// The node's name; nil for the single node of the `ASTERISK_AMI_*` settings.
        public var name: String?
        public var source: any FaxReceiveSource
        public var receivingDir: String?

        public init(name: String?, source: any FaxReceiveSource, receivingDir: String? = nil) {
            self.name = name
            self.source = source
            self.receivingDir = receivingDir
        }

        var origin: ReceiveLander.Origin { .init(node: name, receivingDir: receivingDir) }
    }

    public let serviceName = "receiver"
    let lander: ReceiveLander
    let nodes: [Node]
    let logger: Logger
    let onLanded: @Sendable (ReceiveLander.Landed) async -> Void
    /// A received file older than this that no event, AstDB copy or journal names is
    /// landed on its own (`FAXDROP_INCOMING_ORPHAN_MINUTES`).
    let orphanAge: Duration
    private let tasks = Mutex<[Task<Void, Never>]>([])
    private let observers = Mutex<[any ReceiveObserver]>([])
    /// Per node (by index): the receive ids of its AstDB copies at its latest login, once read.
    private let storedRead = Mutex<[Int: Set<String>]>([:])

    /// Adds an observer; call before `start()`.
    public func addObserver(_ observer: any ReceiveObserver) {
        observers.withLock { $0.append(observer) }
    }

    /// One source (or none: only crash recovery and `land`), the single-node daemon.
    public convenience init(
        lander: ReceiveLander, source: (any FaxReceiveSource)?, logger: Logger, orphanAge: Duration = .seconds(3600),
        onLanded: @escaping @Sendable (ReceiveLander.Landed) async -> Void = { _ in }
    ) {
        self.init(
            lander: lander, nodes: source.map { [Node(name: nil, source: $0)] } ?? [], logger: logger,
            orphanAge: orphanAge, onLanded: onLanded)
    }

    /// Every node's source, listened to at once.
    public init(
        lander: ReceiveLander, nodes: [Node], logger: Logger, orphanAge: Duration = .seconds(3600),
        onLanded: @escaping @Sendable (ReceiveLander.Landed) async -> Void = { _ in }
    ) {
        self.lander = lander
        self.nodes = nodes
        self.logger = logger
        self.onLanded = onLanded
        self.orphanAge = orphanAge
    }

    func receivingDir(_ node: Node) -> String { node.receivingDir ?? lander.spool.receiving }

    public func start() async throws {
        try Syscall.mkdirIfNeeded(lander.spool.receiving)
        warnAboutReceivingFolders()
        for name in (try? Syscall.listDirectory(lander.spool.receiving)) ?? [] {
            guard let journal = ReceiveLander.parseJournalName(name),
                let interrupted = lander.interruptedLanding(journal.receiveID, node: journal.node)
            else { continue }
            let (node, receiveID) = journal
            logger.notice(
                "finishing a receive interrupted by a restart",
                metadata: ["asterisk_id": "\(receiveID)", "node": "\(node ?? "-")"])
            let index = nodes.firstIndex { $0.name == node }
            var origin = interrupted.origin
            if origin.receivingDir == nil, let index { origin.receivingDir = nodes[index].receivingDir }
            await land(interrupted.event, from: origin, source: index.map { nodes[$0].source })
        }
        guard !nodes.isEmpty else { return }
        // One stream of every node's reports, landed one at a time: a node that is down or
        // slow keeps no other node's reports waiting.
        let (merged, continuation) = AsyncStream<(Int, ReceiveReport)>.makeStream()
        var running: [Task<Void, Never>] = []
        for (index, node) in nodes.enumerated() {
            let stream = node.source.receivedFaxes
            running.append(
                Task {
                    for await report in stream { continuation.yield((index, report)) }
                })
        }
        running.append(
            Task { [self] in
                for await (index, report) in merged {
                    switch report {
                    case .received(let event):
                        await land(event, from: nodes[index].origin, source: nodes[index].source)
                    case .storedReceivesRead(let stored): await storedReceivesRead(stored, node: index)
                    }
                }
            })
        tasks.withLock { $0 = running }
    }

    public func stop() async {
        for task in tasks.withLock({ $0 }) { task.cancel() }
    }

    /// Several nodes writing into one folder can overwrite each other's files when their
    /// UNIQUEIDs coincide; a folder that does not exist means every receive lands empty.
    func warnAboutReceivingFolders() {
        guard nodes.count > 1 else { return }
        let byFolder = Dictionary(grouping: nodes, by: receivingDir)
        for (folder, sharing) in byFolder.sorted(by: { $0.key < $1.key }) {
            if sharing.count > 1 {
                logger.warning(
                    "several Asterisk nodes write received faxes into one folder; give each its own (receiving_dir)",
                    metadata: ["folder": "\(folder)", "nodes": "\(sharing.compactMap(\.name).joined(separator: " "))"])
            }
            if (try? Syscall.lstatIfExists(folder)) == nil {
                logger.error("a receiving folder does not exist", metadata: ["folder": "\(folder)"])
            }
        }
    }

    /// A node read its AstDB copies after a login: the orphans of its receiving folder are
    /// landed, once every node writing into that folder has read its own copies.
    func storedReceivesRead(_ stored: Set<String>, node index: Int, now: Date = Date()) async {
        let folder = receivingDir(nodes[index])
        let sharing = nodes.indices.filter { receivingDir(nodes[$0]) == folder }
        let read = storedRead.withLock { all -> [Set<String>]? in
            all[index] = stored
            let sets = sharing.compactMap { all[$0] }
            return sets.count == sharing.count ? sets : nil
        }
        guard let read else { return }
        // A file in a folder of one node is that node's; in a shared folder its node is unknown.
        let origin = sharing.count == 1 ? nodes[index].origin : ReceiveLander.Origin(receivingDir: folder)
        await landOrphans(
            in: folder, except: read.reduce(into: Set<String>()) { $0.formUnion($1) },
            journals: sharing.map { nodes[$0].name } + [nil], origin: origin, now: now)
    }

    /// Received files with no result (single node): see `landOrphans(in:except:journals:origin:now:)`.
    public func landOrphans(except stored: Set<String>, now: Date = Date()) async {
        await landOrphans(
            in: lander.spool.receiving, except: stored, journals: [nil], origin: ReceiveLander.Origin(), now: now)
    }

    /// Received files with no result: Asterisk stopped (or lost its AstDB) during the call,
    /// or the copy was deleted by hand. Once every AstDB copy was read and landed, a file
    /// older than `orphanAge` (no call lasts that long) that no copy names and that has no
    /// journal (of any node writing into the folder) is landed as it is, under
    /// `incoming/unknown/` (its DID is not known): its pages are kept, the sidecar says what
    /// is missing.
    func landOrphans(
        in folder: String, except stored: Set<String>, journals: [String?], origin: ReceiveLander.Origin, now: Date
    ) async {
        for name in (try? Syscall.listDirectory(folder)) ?? [] where name.hasSuffix(".tif") {
            let receiveID = String(name.dropLast(4))
            guard InboundText.receiveID(receiveID) != nil, !stored.contains(receiveID),
                !journals.contains(where: { lander.hasJournal(receiveID, node: $0) }),
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
                "landing a received file Asterisk reported no result for",
                metadata: ["asterisk_id": "\(receiveID)", "node": "\(origin.node ?? "-")"])
            await land(event, from: origin, source: nil)
        }
    }

    /// Lands one receive of the node named `node` (nil: the single node); true when it is
    /// landed (now or before).
    @discardableResult
    public func land(_ event: FaxReceivedEvent, node: String? = nil) async -> Bool {
        let entry = nodes.first { $0.name == node }
        return await land(
            event, from: entry?.origin ?? ReceiveLander.Origin(node: node), source: entry?.source)
    }

    @discardableResult
    func land(_ event: FaxReceivedEvent, from origin: ReceiveLander.Origin, source: (any FaxReceiveSource)?) async
        -> Bool
    {
        do {
            if let landed = try lander.land(event, from: origin, logger: logger) {
                for observer in observers.withLock({ $0 }) { observer.faxReceived(landed) }
                await onLanded(landed)
            }
            if let id = InboundText.receiveID(event.receiveID) { await source?.receiveLanded(receiveID: id) }
            return true
        } catch {
            logger.error(
                "cannot land a received fax; it stays in receiving/ and is retried",
                metadata: [
                    "asterisk_id": "\(InboundText.sanitise(event.receiveID))", "node": "\(origin.node ?? "-")",
                    "error": "\(error)",
                ])
            return false
        }
    }
}
