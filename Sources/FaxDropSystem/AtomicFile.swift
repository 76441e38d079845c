#if canImport(Glibc)
    import Glibc
#endif

/// Writes whole files so that a reader sees either the old content or the new, never a
/// torn one: temp file in the same filesystem, write, close, `rename`; with `durable`, an
/// `fsync` of the temp file before the rename and of the folder after it.
public enum AtomicFile {
    /// Writes `bytes` to `path` through a temp file in `stagingDirectory` (which must be
    /// on the same filesystem as `path`; by default `path`'s own folder). On failure the temp
    /// file is removed and `path` is left as it was.
    ///
    /// With `durable` (the default) two `fsync`s are made: the temp file's, so its data is on
    /// disk before the rename makes it visible, and the folder of `path`'s, so the rename
    /// itself is on disk before this returns. The file survives a power cut.
    ///
    /// Without `durable` no `fsync` at all is made. The write is still atomic for every
    /// reader and survives the process being killed (the data is in the page cache the
    /// moment `write` returns), but after a power cut `path` may hold the older version or,
    /// on a filesystem that does not order data before renames, an empty file. For records
    /// that are rewritten often and whose older version is a safe state to resume from, and
    /// whose readers treat an unreadable one as missing (job journals).
    public static func write(
        _ bytes: some Sequence<UInt8>, to path: String, stagingDirectory: String? = nil, mode: mode_t = 0o644,
        durable: Bool = true
    ) throws {
        let data = Array(bytes)
        let temp =
            "\(stagingDirectory ?? dirname(path))/.\(basename(path)).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = try Syscall.openOwned(temp, O_WRONLY | O_CREAT | O_EXCL, mode: mode)
        do {
            try data.withUnsafeBytes { raw in try Syscall.writeAll(fd.rawValue, raw) }
            if durable { try Syscall.fsync(fd.rawValue) }
            try fd.close()  // consumed: closed once, here, whatever follows
        } catch {
            try? Syscall.unlink(temp)
            throw error
        }
        do {
            try Syscall.rename(temp, path)
        } catch {
            try? Syscall.unlink(temp)
            throw error
        }
        if durable { try Syscall.fsyncDirectory(dirname(path)) }
    }

    /// Writes a new file `name` in the folder open as `directory`, whole or not at all, with
    /// no `fsync` (as `write(durable: false)`): the file is made with no name (`O_TMPFILE`),
    /// written, then linked in, so no temp name is created and removed, neither here nor in
    /// a staging folder. Fails with `EEXIST` if `name` exists. Where the filesystem has no
    /// `O_TMPFILE` (or `/proc` is not mounted), a temp name in the same folder and a rename
    /// that never replaces.
    public static func writeNew(
        _ bytes: some Sequence<UInt8>, named name: String, in directory: Int32, mode: mode_t = 0o644
    )
        throws
    {
        let data = Array(bytes)
        if let unnamed = try Syscall.openUnnamed(in: directory, mode: mode) {
            // On failure the unnamed file goes away with its descriptor.
            try data.withUnsafeBytes { raw in try Syscall.writeAll(unnamed.rawValue, raw) }
            if try Syscall.linkUnnamed(unnamed.rawValue, to: directory, name) {
                try unnamed.close()
                return
            }
        }
        let temp = ".\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = try Syscall.openAtOwned(directory, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: mode)
        do {
            try data.withUnsafeBytes { raw in try Syscall.writeAll(fd.rawValue, raw) }
            try fd.close()
            try Syscall.renameNoReplace(from: directory, temp, to: directory, name)
        } catch {
            try? Syscall.unlinkAt(directory, temp)
            throw error
        }
    }

    /// Reads a whole file (regular files only; symlinks are not followed).
    public static func read(_ path: String, limit: Int = 64 << 20) throws -> [UInt8] {
        let fd = try Syscall.openOwned(path, O_RDONLY | O_NOFOLLOW)
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while out.count < limit {
            let n = try chunk.withUnsafeMutableBytes { raw in try Syscall.read(fd.rawValue, into: raw) }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    static func basename(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    static func dirname(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
