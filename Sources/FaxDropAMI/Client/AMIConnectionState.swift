/// Whether FaxDrop can talk to Asterisk, for `faxdrop status`, `check` and `/healthz`.
public enum AMIConnectionState: Sendable, Equatable, CustomStringConvertible {
    /// `start()` was not called yet, or `shutdown()` was.
    case stopped
    case connecting
    /// Logged in; calls can be placed.
    case connected
    /// Not connected; the client retries with backoff. Calls return `.unavailable`.
    case disconnected(reason: String)
    /// Asterisk refused the login (wrong user or secret, ACL). Retried only rarely.
    case authenticationFailed(String)

    public var isConnected: Bool { self == .connected }

    public var description: String {
        switch self {
        case .stopped: return "stopped"
        case .connecting: return "connecting"
        case .connected: return "connected"
        case .disconnected(let reason): return "disconnected: \(reason)"
        case .authenticationFailed(let message): return "login refused: \(message)"
        }
    }
}
