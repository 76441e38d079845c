import CInotifyTools
import FaxDropSystem
import Foundation
import Logging
import Synchronization

/// What the drop zone watcher reports.
public enum DropZoneEvent: Sendable, Equatable {
    /// Something happened to this entry (closed after writing, renamed in, or found by a
    /// scan): it may be ready once it has settled.
    case candidate(String)
    /// Events were lost (`IN_Q_OVERFLOW`) or a periodic rescan ran: every entry present was
    /// just reported again as a candidate.
    case rescanned(reason: String)
}

/// Watches `outgoing/` and every `outgoing/<folder>/` with libinotifytools.
///
/// libinotifytools keeps global state and a static event buffer, so one dedicated thread
/// makes every call into it; its waits take whole seconds, which bounds how long `stop()`
/// waits. It does not watch new subfolders by itself: a new destination folder is watched
/// the moment its `IN_CREATE` arrives and then scanned, so a file written before the watch
/// existed is still reported.
public final class DropZoneWatcher: Sendable {
    public let outgoing: String
    private let rescanInterval: Double
    private let logger: Logger
    private let stopRequested = Atomic<Bool>(false)
    private let rescanRequested = Atomic<Bool>(false)
    private let finished = Mutex<Bool>(false)
    private let finishedCondition = NSCondition()

    /// One process may hold only one libinotifytools instance.
    private static let instanceInUse = Atomic<Bool>(false)

    private static let folderEvents = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE)
    private static let rootEvents = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE)

    public init(outgoing: String, rescanInterval: Double, logger: Logger) {
        self.outgoing = outgoing
        self.rescanInterval = rescanInterval
        self.logger = logger
    }

    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts the watcher thread. `handler` is called on that thread, in order.
    public func start(_ handler: @escaping @Sendable (DropZoneEvent) -> Void) throws {
        guard !Self.instanceInUse.exchange(true, ordering: .acquiringAndReleasing) else {
            throw StartError(description: "libinotifytools is already in use in this process")
        }
        guard inotifytools_initialize() == 1 else {
            Self.instanceInUse.store(false, ordering: .releasing)
            throw StartError(description: "inotify: \(String(cString: strerror(inotifytools_error())))")
        }
        guard watch(outgoing, events: Self.rootEvents) else {
            let code = inotifytools_error()
            inotifytools_cleanup()
            Self.instanceInUse.store(false, ordering: .releasing)
            throw StartError(description: "cannot watch \(outgoing): \(String(cString: strerror(code)))")
        }
        let thread = Thread { [self] in
            self.run(handler)
        }
        thread.name = "faxdrop-inotify"
        thread.start()
    }

    /// Asks for a full rescan at the watcher's next turn (at most a second away).
    public func requestRescan() {
        rescanRequested.store(true, ordering: .releasing)
    }

    /// Stops the thread and releases libinotifytools; returns when it has.
    public func stop() {
        stopRequested.store(true, ordering: .releasing)
        finishedCondition.lock()
        while !finished.withLock({ $0 }) { finishedCondition.wait() }
        finishedCondition.unlock()
    }

    // MARK: The watcher thread

    private func run(_ handler: @Sendable (DropZoneEvent) -> Void) {
        fullScan(handler)
        handler(.rescanned(reason: "start-up"))
        var lastScan = Date()
        while !stopRequested.load(ordering: .acquiring) {
            if let event = inotifytools_next_event(1) {
                handle(event, handler)
            }
            let due = rescanInterval > 0 && Date().timeIntervalSince(lastScan) >= rescanInterval
            if due || rescanRequested.exchange(false, ordering: .acquiringAndReleasing) {
                fullScan(handler)
                handler(.rescanned(reason: due ? "periodic" : "requested"))
                lastScan = Date()
            }
        }
        inotifytools_cleanup()
        Self.instanceInUse.store(false, ordering: .releasing)
        finishedCondition.lock()
        finished.withLock { $0 = true }
        finishedCondition.broadcast()
        finishedCondition.unlock()
    }

    private func handle(_ event: UnsafeMutablePointer<inotify_event>, _ handler: @Sendable (DropZoneEvent) -> Void) {
        let mask = event.pointee.mask
        if mask & UInt32(IN_Q_OVERFLOW) != 0 {
            logger.warning("inotify queue overflowed; rescanning the drop zone")
            fullScan(handler)
            handler(.rescanned(reason: "overflow"))
            return
        }
        if mask & UInt32(IN_IGNORED) != 0 { return }
        guard let dirC = inotifytools_filename_from_wd(event.pointee.wd) else { return }
        let dir = Self.trimSlash(String(cString: dirC))
        let name = Self.name(of: event)
        guard !name.isEmpty, !IgnoreRules.isIgnored(name) else { return }
        let path = dir + "/" + name
        let isDir = mask & UInt32(IN_ISDIR) != 0
        if dir == Self.trimSlash(outgoing) && isDir {
            if mask & (UInt32(IN_CREATE) | UInt32(IN_MOVED_TO)) != 0 { addFolder(path, handler) }
            return
        }
        if dir == Self.trimSlash(outgoing) || isDir {
            // A file directly in outgoing/, or a folder inside a destination folder: reported
            // as found, so that it ends in failed/ with its code.
            if mask & (UInt32(IN_CREATE) | UInt32(IN_MOVED_TO)) != 0 || mask & UInt32(IN_CLOSE_WRITE) != 0 {
                handler(.candidate(path))
            }
            return
        }
        if mask & (UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO)) != 0 {
            handler(.candidate(path))
        } else if mask & UInt32(IN_CREATE) != 0 {
            // Created but not yet closed: only non-regular entries (links, FIFOs) never close.
            if let status = try? Syscall.lstatIfExists(path), status.kind != .regular { handler(.candidate(path)) }
        }
    }

    /// Watches a new destination folder, then reports what is already in it.
    private func addFolder(_ path: String, _ handler: @Sendable (DropZoneEvent) -> Void) {
        guard let status = try? Syscall.lstatIfExists(path), status.kind == .directory else { return }
        if inotifytools_wd_from_filename(path + "/") < 0 && inotifytools_wd_from_filename(path) < 0 {
            if !watch(path, events: Self.folderEvents) {
                logger.error(
                    "cannot watch folder", metadata: ["folder": "\(path)", "error": "\(String(cString: strerror(inotifytools_error())))"])
            }
        }
        scanFolder(path, handler)
    }

    private func scanFolder(_ path: String, _ handler: @Sendable (DropZoneEvent) -> Void) {
        guard let names = try? Syscall.listDirectory(path) else { return }
        for name in names.sorted() where !IgnoreRules.isIgnored(name) {
            handler(.candidate(path + "/" + name))
        }
    }

    /// Watches every folder under `outgoing/` that is not watched yet and reports every entry.
    private func fullScan(_ handler: @Sendable (DropZoneEvent) -> Void) {
        let root = Self.trimSlash(outgoing)
        guard let names = try? Syscall.listDirectory(root) else {
            logger.error("cannot list the drop zone", metadata: ["folder": "\(root)"])
            return
        }
        for name in names.sorted() where !IgnoreRules.isIgnored(name) {
            let path = root + "/" + name
            guard let status = try? Syscall.lstatIfExists(path) else { continue }
            if status.kind == .directory {
                addFolder(path, handler)
            } else {
                handler(.candidate(path))
            }
        }
    }

    private func watch(_ path: String, events: UInt32) -> Bool {
        inotifytools_watch_file(path, Int32(bitPattern: events)) == 1
    }

    private static func name(of event: UnsafeMutablePointer<inotify_event>) -> String {
        guard event.pointee.len > 0 else { return "" }
        let base = UnsafeMutableRawPointer(event).advanced(by: MemoryLayout<inotify_event>.size)
        return String(cString: base.assumingMemoryBound(to: CChar.self))
    }

    static func trimSlash(_ path: String) -> String {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }
}
