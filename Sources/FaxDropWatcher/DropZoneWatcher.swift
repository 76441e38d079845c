import CInotifyTools
import FaxDropSystem
import Foundation
import Logging
import Synchronization

/// What the drop zone watcher reports.
public enum DropZoneEvent: Sendable, Equatable {
    /// Something happened to this entry (closed after writing, renamed in): it may be
    /// ready once it has settled.
    case candidate(String)
    /// A scan found this entry: it may be ready once it has settled, but finding it again
    /// is no sign of activity.
    case found(String)
    /// Events were lost (`IN_Q_OVERFLOW`) or a periodic rescan ran: every entry present was
    /// just reported again as a candidate.
    case rescanned(reason: String)
}

/// Watches `outgoing/` and every `outgoing/<folder>/` with libinotifytools.
///
/// libinotifytools keeps global state and a static event buffer, so one dedicated thread
/// makes every call into it; its waits take whole seconds, which bounds how long `stop()`
/// waits (suspended, not holding a thread). It does not watch new subfolders by itself: a new destination folder is watched
/// the moment its `IN_CREATE` arrives and then scanned, so a file written before the watch
/// existed is still reported.
public final class DropZoneWatcher: Sendable {
    public let outgoing: String
    private let rescanInterval: Double
    private let logger: Logger
    private let stopRequested = Atomic<Bool>(false)
    private let rescanRequested = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    /// Set when the thread has released libinotifytools; `stop()` waits for it.
    private let finished = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// One process may hold only one libinotifytools instance.
    private static let instanceInUse = Atomic<Bool>(false)

    /// Every watch is on a real folder (`IN_ONLYDIR`), never through a symlink
    /// (`IN_DONT_FOLLOW`), and reports its own deletion or move, after which the watch is
    /// dropped and the drop zone scanned again, so a folder created again under the same
    /// name is watched at once.
    private static let folderEvents = UInt32(
        IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW)
    /// `outgoing/` itself is configuration: it may be a symlink an administrator set up.
    private static let rootEvents = UInt32(
        IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

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
        started.store(true, ordering: .releasing)
        thread.start()
    }

    /// Asks for a full rescan at the watcher's next turn (at most a second away).
    public func requestRescan() {
        rescanRequested.store(true, ordering: .releasing)
    }

    /// Stops the thread and releases libinotifytools; returns when it has.
    public func stop() async {
        stopRequested.store(true, ordering: .releasing)
        // Never started (or its start failed): there is no thread to wait for.
        guard started.load(ordering: .acquiring) else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = finished.withLock { f -> Bool in
                if !f.done { f.waiters.append(continuation) }
                return f.done
            }
            if done { continuation.resume() }
        }
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
        let waiters = finished.withLock { f -> [CheckedContinuation<Void, Never>] in
            f.done = true
            defer { f.waiters = [] }
            return f.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func handle(_ event: UnsafeMutablePointer<inotify_event>, _ handler: @Sendable (DropZoneEvent) -> Void) {
        let mask = event.pointee.mask
        if mask & UInt32(IN_Q_OVERFLOW) != 0 {
            logger.warning("inotify queue overflowed; rescanning the drop zone")
            fullScan(handler)
            handler(.rescanned(reason: "overflow"))
            return
        }
        if mask & UInt32(IN_IGNORED) != 0 {
            // The kernel dropped this watch (its folder was deleted): forget it too.
            forgetWatch(event.pointee.wd, stillActive: false)
            return
        }
        guard let dirC = inotifytools_filename_from_wd(event.pointee.wd) else { return }
        let dir = Self.trimSlash(String(cString: dirC))
        let root = Self.trimSlash(outgoing)
        // Only the drop zone and its direct folders are watched; a forgotten watch's events are dropped.
        guard dir == root || (dir.hasPrefix(root + "/") && !dir.dropFirst(root.count + 1).contains("/")) else { return }
        if mask & (UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF)) != 0 {
            if dir == root {
                logger.error("the drop zone itself was moved or deleted", metadata: ["folder": "\(root)"])
                return
            }
            // A destination folder went away (deleted, or renamed — perhaps to a hidden name,
            // with something else put in its place): its watch no longer names it.
            logger.notice("destination folder moved or deleted; rescanning", metadata: ["folder": "\(dir)"])
            forgetWatch(event.pointee.wd, stillActive: mask & UInt32(IN_MOVE_SELF) != 0)
            fullScan(handler)
            handler(.rescanned(reason: "folder moved or deleted"))
            return
        }
        let rawName = Self.rawName(of: event)
        guard !rawName.isEmpty, let name = validName(rawName, in: dir), !IgnoreRules.isIgnored(name) else { return }
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
            // Created but not yet closed. Entries that will never be closed after writing —
            // symlinks, FIFOs, sockets, hard links to existing files — are reported now.
            if let status = try? Syscall.lstatIfExists(path), status.kind != .regular || status.linkCount > 1 {
                handler(.candidate(path))
            }
        }
    }

    /// Watches a new destination folder, then reports what is already in it.
    private func addFolder(_ path: String, _ handler: @Sendable (DropZoneEvent) -> Void) {
        guard let status = try? Syscall.lstatIfExists(path), status.kind == .directory else { return }
        if inotifytools_wd_from_filename(path + "/") < 0 && inotifytools_wd_from_filename(path) < 0 {
            if !watch(path, events: Self.folderEvents) {
                logger.error(
                    "cannot watch folder",
                    metadata: ["folder": "\(path)", "error": "\(String(cString: strerror(inotifytools_error())))"])
            }
        }
        scanFolder(path, handler)
    }

    private func scanFolder(_ path: String, _ handler: @Sendable (DropZoneEvent) -> Void) {
        guard let names = try? Syscall.listDirectoryRaw(path) else { return }
        for raw in names {
            guard let name = validName(raw, in: path) else { continue }
            if !IgnoreRules.isIgnored(name) { handler(.found(path + "/" + name)) }
        }
    }

    /// The name as a String; a name that is not valid UTF-8 is first renamed in place to a
    /// valid one (invalid bytes become `_`), since paths travel as Strings from here on.
    /// The new name's events then report it.
    private func validName(_ raw: [UInt8], in folder: String) -> String? {
        if let name = String(validating: raw, as: UTF8.self) { return name }
        var fixed = String(decoding: raw, as: UTF8.self).replacingOccurrences(of: "\u{FFFD}", with: "_")
        if fixed.hasPrefix(".") { fixed = "_" + fixed.dropFirst() }
        let hex = raw.map { String($0, radix: 16) }.joined(separator: " ")
        for attempt in 0..<100 {
            let candidate = attempt == 0 ? fixed : "\(attempt)-\(fixed)"
            do {
                try Syscall.renameNoReplace(rawFrom: Array((folder + "/").utf8) + raw, folder + "/" + candidate)
                logger.notice(
                    "renamed a file whose name is not UTF-8", metadata: ["bytes": "\(hex)", "now": "\(candidate)"])
                return nil
            } catch let error as SystemError where error.isExists {
                continue
            } catch let error as SystemError where error.isNotFound {
                return nil  // renamed already (the scan and the event both saw it) or removed
            } catch {
                logger.error(
                    "cannot rename a file whose name is not UTF-8", metadata: ["bytes": "\(hex)", "error": "\(error)"])
                return nil
            }
        }
        return nil
    }

    /// Watches every folder under `outgoing/` that is not watched yet and reports every entry.
    private func fullScan(_ handler: @Sendable (DropZoneEvent) -> Void) {
        let root = Self.trimSlash(outgoing)
        guard (try? Syscall.lstatIfExists(root)) != nil else {
            logger.error("cannot list the drop zone", metadata: ["folder": "\(root)"])
            return
        }
        for raw in ((try? Syscall.listDirectoryRaw(root)) ?? []) {
            guard let name = validName(raw, in: root), !IgnoreRules.isIgnored(name) else { continue }
            let path = root + "/" + name
            guard let status = try? Syscall.lstatIfExists(path) else { continue }
            if status.kind == .directory {
                addFolder(path, handler)
            } else {
                handler(.found(path))
            }
        }
    }

    /// Drops a watch from libinotifytools' table. A watch the kernel still holds (its folder
    /// was moved) is removed; one the kernel already dropped (`IN_IGNORED`) is renamed to a
    /// name no path matches, so looking up its old path finds nothing and a folder created
    /// again there gets a new watch.
    private func forgetWatch(_ wd: Int32, stillActive: Bool) {
        guard inotifytools_filename_from_wd(wd) != nil else { return }
        if stillActive && inotifytools_remove_watch_by_wd(wd) == 1 { return }
        inotifytools_set_filename_by_wd(wd, "\u{1}forgotten-watch-\(wd)")
    }

    private func watch(_ path: String, events: UInt32) -> Bool {
        inotifytools_watch_file(path, Int32(bitPattern: events)) == 1
    }

    private static func rawName(of event: UnsafeMutablePointer<inotify_event>) -> [UInt8] {
        guard event.pointee.len > 0 else { return [] }
        let base = UnsafeMutableRawPointer(event).advanced(by: MemoryLayout<inotify_event>.size)
        let buffer = UnsafeRawBufferPointer(start: base, count: Int(event.pointee.len))
        return Array(buffer.prefix(while: { $0 != 0 }))
    }

    static func trimSlash(_ path: String) -> String {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }
}
