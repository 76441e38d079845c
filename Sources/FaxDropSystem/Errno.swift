#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed system call: the call's name, the path it was about, and `errno`.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public var call: String
    public var path: String?
    public var errno: Int32

    public init(_ call: String, path: String? = nil, errno: Int32) {
        self.call = call
        self.path = path
        self.errno = errno
    }

    public var description: String {
        let reason = String(cString: strerror(errno))
        if let path { return "\(call)(\(path)): \(reason)" }
        return "\(call): \(reason)"
    }

    public var isNotFound: Bool { errno == ENOENT }
    public var isExists: Bool { errno == EEXIST || errno == ENOTEMPTY }
    public var isNoSpace: Bool { errno == ENOSPC || errno == EDQUOT }
}

/// Runs a system call, retrying on `EINTR`, and turns a `-1` into a `SystemError`.
@inline(__always)
func retryingOnInterrupt<T: BinaryInteger>(_ call: String, path: String? = nil, _ body: () -> T) throws(SystemError)
    -> T
{
    while true {
        let result = body()
        if result != -1 { return result }
        let e = errno
        if e == EINTR { continue }
        throw SystemError(call, path: path, errno: e)
    }
}
