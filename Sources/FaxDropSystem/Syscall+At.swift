import CFaxDropSystem

#if canImport(Glibc)
    import Glibc
#endif

/// System calls relative to a directory descriptor. A name is resolved inside the folder
/// the descriptor was opened on, whatever has since been renamed or swapped for a symlink
/// along the path that led there (SPEC §1: a destination folder swapped for a symlink is
/// never followed).
extension Syscall {
    /// Opens a directory without following a symlink in its last component. The
    /// corresponding C function is `openat` with `O_DIRECTORY | O_NOFOLLOW`. A symlink
    /// fails with `ELOOP`, anything else that is not a directory with `ENOTDIR`.
    public static func openDirectory(_ name: String, in directory: Int32 = AT_FDCWD) throws -> Int32 {
        try openAt(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
    }

    /// The corresponding C function is `openat`, always with `O_CLOEXEC`.
    public static func openAt(_ directory: Int32, _ name: String, _ flags: Int32, mode: mode_t = 0o644) throws -> Int32
    {
        let fd = try retryingOnInterrupt("openat", path: name) { faxdrop_openat(directory, name, flags, mode) }
        SyscallTally.record("open")
        return fd
    }

    /// The corresponding C function is `fstatat` with `AT_SYMLINK_NOFOLLOW`: a symlink is
    /// described, never followed. `nil` when nothing has that name.
    public static func lstatAt(_ directory: Int32, _ name: String) throws -> FileStatus? {
        var st = stat()
        while Glibc.fstatat(directory, name, &st, AT_SYMLINK_NOFOLLOW) != 0 {
            let e = errno
            if e == EINTR { continue }
            if e == ENOENT { return nil }
            throw SystemError("fstatat", path: name, errno: e)
        }
        return FileStatus(st)
    }

    /// `renameat2(..., RENAME_NOREPLACE)` between two directory descriptors: fails with
    /// `EEXIST` instead of replacing. Where the filesystem lacks the flag, `linkat` then
    /// `unlinkat` (a symlink is linked as itself: `linkat` never follows without
    /// `AT_SYMLINK_FOLLOW`).
    public static func renameNoReplace(
        from fromDirectory: Int32, _ from: String, to toDirectory: Int32, _ to: String
    ) throws {
        if faxdrop_renameat_noreplace(fromDirectory, from, toDirectory, to) == 0 { return }
        let e = errno
        if e == EINVAL || e == ENOSYS {
            _ = try retryingOnInterrupt("linkat", path: from) { Glibc.linkat(fromDirectory, from, toDirectory, to, 0) }
            try unlinkAt(fromDirectory, from)
            return
        }
        throw SystemError("renameat2", path: from, errno: e)
    }

    /// `openat(directory, ".", O_TMPFILE | O_WRONLY)`: a new file with no name, owned by the
    /// result; `nil` where the filesystem or kernel has no `O_TMPFILE`.
    public static func openUnnamed(in directory: Int32, mode: mode_t = 0o644) throws -> FileDescriptor? {
        while true {
            let fd = faxdrop_open_unnamed(directory, mode)
            if fd >= 0 {
                SyscallTally.record("open")
                return FileDescriptor(owning: fd)
            }
            let e = errno
            if e == EINTR { continue }
            if e == EOPNOTSUPP || e == EISDIR || e == EINVAL { return nil }
            throw SystemError("openat(O_TMPFILE)", path: ".", errno: e)
        }
    }

    /// Gives the unnamed file open as `fd` the name `name` in `directory` (`linkat` through
    /// `/proc/self/fd`). `false` when `/proc` is not there to do it; `EEXIST` if the name
    /// is taken.
    public static func linkUnnamed(_ fd: Int32, to directory: Int32, _ name: String) throws -> Bool {
        while faxdrop_link_unnamed(fd, directory, name) != 0 {
            let e = errno
            if e == EINTR { continue }
            // ENOENT with the folder itself present: no /proc/self/fd to link from.
            if e == ENOENT, (try? lstatAt(directory, ".")) != nil { return false }
            throw SystemError("linkat", path: name, errno: e)
        }
        return true
    }

    /// The corresponding C function is `unlinkat` (without `AT_REMOVEDIR`): removes the name,
    /// never what a symlink points to.
    public static func unlinkAt(_ directory: Int32, _ name: String) throws {
        _ = try retryingOnInterrupt("unlinkat", path: name) { Glibc.unlinkat(directory, name, 0) }
    }
}
