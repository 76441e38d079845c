import CFaxDropSystem

#if canImport(Glibc)
    import Glibc
#endif

extension Syscall {
    /// A new pipe, both ends close-on-exec: (read end, write end). The corresponding C
    /// function is `pipe2(..., O_CLOEXEC)`.
    public static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        _ = try retryingOnInterrupt("pipe2") {
            fds.withUnsafeMutableBufferPointer { faxdrop_pipe_cloexec($0.baseAddress) }
        }
        return (fds[0], fds[1])
    }
}
