import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One kernel inotify watch on one folder, read by one thread that blocks until something
/// happens there (no timeout, no polling). This is the kernel interface itself, not
/// libinotifytools: the drop zone's watcher owns the process's one libinotifytools instance.
public final class DirectoryWatch: Sendable {
    private let fd: Int32
    private let wd: Int32
    private let ended = Atomic<Bool>(false)
    private let ignored = Atomic<Bool>(false)

    /// The corresponding C functions are `inotify_init1(IN_CLOEXEC)` and `inotify_add_watch`.
    /// `mask` is the set of `IN_*` events to report, e.g. `IN_MOVED_TO`.
    public init(_ path: String, mask: UInt32) throws {
        let fd = try retryingOnInterrupt("inotify_init1") { inotify_init1(Int32(IN_CLOEXEC)) }
        do {
            wd = try retryingOnInterrupt("inotify_add_watch", path: path) {
                inotify_add_watch(fd, path, mask | UInt32(IN_ONLYDIR))
            }
        } catch {
            Syscall.close(fd)
            throw error
        }
        self.fd = fd
    }

    deinit { Syscall.close(fd) }

    /// The corresponding C function is `read`: blocks until events arrive and returns the
    /// names they carry (`""` for an event on the folder itself); `nil` once the watch has
    /// ended (`end()`, or the folder was deleted).
    public func next() throws -> [String]? {
        if ignored.load(ordering: .acquiring) { return nil }
        let size = 64 * 1024
        let buffer = UnsafeMutableRawBufferPointer.allocate(
            byteCount: size, alignment: MemoryLayout<inotify_event>.alignment)
        defer { buffer.deallocate() }
        let count = try retryingOnInterrupt("read") { Glibc.read(fd, buffer.baseAddress, size) }
        var names: [String] = []
        var stop = false
        var offset = 0
        let header = MemoryLayout<inotify_event>.size
        while offset + header <= count {
            let event = buffer.load(fromByteOffset: offset, as: inotify_event.self)
            let length = Int(event.len)
            if event.mask & UInt32(IN_IGNORED) != 0 { stop = true }
            if length > 0 {
                let bytes = UnsafeRawBufferPointer(rebasing: buffer[(offset + header)..<(offset + header + length)])
                names.append(String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self))
            } else {
                names.append("")
            }
            offset += header + length
        }
        guard stop else { return names }
        ignored.store(true, ordering: .releasing)
        let named = names.filter { !$0.isEmpty }
        return named.isEmpty ? nil : named
    }

    /// The corresponding C function is `inotify_rm_watch`: the reader's `next()` wakes and
    /// returns `nil`. Safe to call more than once.
    public func end() {
        guard !ended.exchange(true, ordering: .acquiringAndReleasing) else { return }
        _ = inotify_rm_watch(fd, wd)
    }
}
