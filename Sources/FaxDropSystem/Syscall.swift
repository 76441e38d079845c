import CFaxDropSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Every system call FaxDrop makes on files, each wrapped once: `EINTR` retried, `errno`
/// turned into a `SystemError`. The rest of the code never sees a raw return code.
public enum Syscall {
    /// The corresponding C function is `rename`. Atomic within one filesystem.
    public static func rename(_ from: String, _ to: String) throws {
        _ = try retryingOnInterrupt("rename", path: from) { Glibc.rename(from, to) }
    }

    /// `renameat2(..., RENAME_NOREPLACE)`: fails with `EEXIST` instead of replacing `to`.
    /// Falls back to `link` + `unlink` where the filesystem does not support the flag.
    public static func renameNoReplace(_ from: String, _ to: String) throws {
        let result = faxdrop_rename_noreplace(from, to)
        if result == 0 { return }
        let e = errno
        if e == EINVAL || e == ENOSYS {
            _ = try retryingOnInterrupt("link", path: from) { Glibc.link(from, to) }
            try unlink(from)
            return
        }
        throw SystemError("renameat2", path: from, errno: e)
    }

    /// `renameNoReplace` for a path given as raw bytes (a name that is not valid UTF-8).
    public static func renameNoReplace(rawFrom from: [UInt8], _ to: String) throws {
        let cFrom = from.map { CChar(bitPattern: $0) } + [0]
        let result = faxdrop_rename_noreplace(cFrom, to)
        if result != 0 { throw SystemError("renameat2", path: String(decoding: from, as: UTF8.self), errno: errno) }
    }

    /// The corresponding C function is `mkdir`.
    public static func mkdir(_ path: String, mode: mode_t = 0o755) throws {
        _ = try retryingOnInterrupt("mkdir", path: path) { Glibc.mkdir(path, mode) }
    }

    /// `mkdir`, treating an existing directory as success.
    public static func mkdirIfNeeded(_ path: String, mode: mode_t = 0o755) throws {
        do {
            try mkdir(path, mode: mode)
        } catch let error as SystemError where error.errno == EEXIST {
            return
        }
    }

    /// Sets the permission bits exactly (the umask does not apply). The corresponding C
    /// function is `chmod`.
    public static func chmod(_ path: String, mode: mode_t) throws {
        _ = try retryingOnInterrupt("chmod", path: path) { Glibc.chmod(path, mode) }
    }

    /// The corresponding C function is `rmdir`.
    public static func rmdir(_ path: String) throws {
        _ = try retryingOnInterrupt("rmdir", path: path) { Glibc.rmdir(path) }
    }

    /// Whether a process with this id exists (`kill(pid, 0)`; `EPERM` means it exists but
    /// belongs to someone else).
    public static func processExists(_ pid: pid_t) -> Bool {
        guard pid > 0 else { return false }
        return Glibc.kill(pid, 0) == 0 || errno == EPERM
    }

    /// The corresponding C function is `unlink`.
    public static func unlink(_ path: String) throws {
        _ = try retryingOnInterrupt("unlink", path: path) { Glibc.unlink(path) }
    }

    /// The corresponding C function is `lstat`: a symlink is described, never followed.
    public static func lstat(_ path: String) throws -> FileStatus {
        try status("lstat", path: path) { Glibc.lstat(path, $0) }
    }

    /// `lstat`, or `nil` when nothing is at `path`.
    public static func lstatIfExists(_ path: String) throws -> FileStatus? {
        try nilIfMissing { try lstat(path) }
    }

    /// The corresponding C function is `fstatat` (as `stat`): a symlink is followed (a
    /// configured file, not an entry of the drop zone).
    public static func statFollowing(_ path: String) throws -> FileStatus {
        try status("stat", path: path) { Glibc.fstatat(AT_FDCWD, path, $0, 0) }
    }

    /// `statFollowing`, or `nil` when nothing is at `path`.
    public static func statIfExists(_ path: String) throws -> FileStatus? {
        try nilIfMissing { try statFollowing(path) }
    }

    /// The corresponding C function is `fstat`.
    public static func fstat(_ fd: Int32) throws(SystemError) -> FileStatus {
        try status("fstat") { Glibc.fstat(fd, $0) }
    }

    /// Fills a `stat` with `call` (`lstat`, `fstatat`, `fstat`).
    private static func status(_ name: String, path: String? = nil, _ call: (UnsafeMutablePointer<stat>) -> Int32)
        throws(SystemError) -> FileStatus
    {
        var st = stat()
        _ = try retryingOnInterrupt(name, path: path) { call(&st) }
        return FileStatus(st)
    }

    /// `body`'s result, or `nil` when it fails with `ENOENT` (nothing at the path).
    private static func nilIfMissing<T>(_ body: () throws -> T) throws -> T? {
        do {
            return try body()
        } catch let error as SystemError where error.errno == ENOENT {
            return nil
        }
    }

    /// The corresponding C function is `open`, always with `O_CLOEXEC`.
    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws -> Int32 {
        let fd = try retryingOnInterrupt("open", path: path) { Glibc.open(path, flags | O_CLOEXEC, mode) }
        SyscallTally.record("open")
        return fd
    }

    /// Opens a file for reading without following a symlink and without blocking on a FIFO.
    public static func openForReadingNoFollow(_ path: String) throws -> Int32 {
        try open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
    }

    /// The corresponding C function is `close`, handled as SwiftNIO handles it
    /// (`NIOPosix/System.swift`, `Posix.close`):
    /// - `EINTR` counts as closed and is never retried: Linux has released the descriptor
    ///   before it reports the interruption, and a retry could close another thread's file.
    /// - `EBADF` (and `EFAULT`) is a programmer error: the descriptor was already closed,
    ///   and in a threaded process the second close may have closed someone else's newly
    ///   opened file. It stops the process (`precondition`, release builds too), as in NIO.
    /// - Any other error (`EIO`, `ENOSPC`, `EDQUOT` from a delayed write on a network
    ///   filesystem) is ignored here; the descriptor is closed all the same. An owner whose
    ///   data depends on it calls `FileDescriptor.close()`, which throws it.
    public static func close(_ fd: Int32) {
        try? closeReporting(fd)
    }

    /// `close` as above, throwing the errors that are neither `EINTR` nor a programmer error.
    /// The descriptor is closed whether or not this throws.
    public static func closeReporting(_ fd: Int32) throws(SystemError) {
        SyscallTally.record("close")
        guard Glibc.close(fd) != 0 else { return }
        let e = errno
        if e == EINTR { return }
        precondition(
            e != EBADF && e != EFAULT, "close(\(fd)): \(e == EBADF ? "EBADF, a descriptor closed twice" : "EFAULT")")
        throw SystemError("close", errno: e)
    }

    /// The corresponding C function is `read`; returns 0 at end of file.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try retryingOnInterrupt("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// The corresponding C function is `write`, looped until every byte is written.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = try retryingOnInterrupt("write") {
                Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            }
            offset += n
        }
    }

    /// The corresponding C function is `fsync`.
    public static func fsync(_ fd: Int32) throws {
        SyscallTally.record("fsync")
        _ = try retryingOnInterrupt("fsync") { Glibc.fsync(fd) }
    }

    /// Opens a directory and `fsync`s it, making renames and creations in it durable.
    public static func fsyncDirectory(_ path: String) throws {
        let fd = try openOwned(path, O_RDONLY | O_DIRECTORY)
        try fsync(fd.rawValue)
    }

    /// The names in a directory (without `.` and `..`). The corresponding C functions are
    /// `opendir`, `readdir` and `closedir`.
    public static func listDirectory(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw SystemError("opendir", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw SystemError("readdir", path: path, errno: errno) }
                break
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            names.append(name)
        }
        return names
    }

    /// Raw names in a directory, as bytes, for names that are not valid UTF-8.
    public static func listDirectoryRaw(_ path: String) throws -> [[UInt8]] {
        guard let dir = opendir(path) else { throw SystemError("opendir", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [[UInt8]] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw SystemError("readdir", path: path, errno: errno) }
                break
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix(while: { $0 != 0 })) }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            names.append(name)
        }
        return names
    }

    /// The corresponding C function is `access(path, W_OK)`.
    public static func isWritable(_ path: String) -> Bool { access(path, W_OK) == 0 }
}
