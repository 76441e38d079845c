#if canImport(Glibc)
    import Glibc
#endif

/// An open file descriptor with exactly one owner, which closes it exactly once.
///
/// The type cannot be copied: passing it on moves it, and the compiler refuses a second
/// `close()` or a use after one. Dropping it without `close()` closes it (errors ignored);
/// `close()` reports the error `close` itself returns, for files whose data matters.
/// `rawValue` lends the number to a system call while the owner keeps it.
public struct FileDescriptor: ~Copyable {
    public let rawValue: Int32

    /// Takes ownership of `rawValue`, an open descriptor nobody else will close.
    public init(owning rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// Closes the descriptor; it is closed even when this throws (see `Syscall.closeReporting`).
    public consuming func close() throws(SystemError) {
        let fd = rawValue
        discard self
        try Syscall.closeReporting(fd)
    }

    /// Gives up ownership without closing: the caller now owns the number.
    public consuming func release() -> Int32 {
        let fd = rawValue
        discard self
        return fd
    }

    deinit {
        Syscall.close(rawValue)
    }
}

extension Syscall {
    /// `open`, its descriptor owned by the result.
    public static func openOwned(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws -> FileDescriptor {
        FileDescriptor(owning: try open(path, flags, mode: mode))
    }

    /// `openat`, its descriptor owned by the result.
    public static func openAtOwned(_ directory: Int32, _ name: String, _ flags: Int32, mode: mode_t = 0o644) throws
        -> FileDescriptor
    {
        FileDescriptor(owning: try openAt(directory, name, flags, mode: mode))
    }

    /// `openDirectory`, its descriptor owned by the result.
    public static func openDirectoryOwned(_ name: String, in directory: Int32 = AT_FDCWD) throws -> FileDescriptor {
        FileDescriptor(owning: try openDirectory(name, in: directory))
    }
}
