import FaxDropAMI

/// What one AMI connection and login told `faxdrop check` (`SIPBackend.probeLogin`).
public struct AMILoginProbe: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// Logged in; the banner names the AMI version.
        case accepted(banner: String)
        /// Asterisk refused the login, in its own words (`Authentication failed`).
        case refused(message: String)
        /// Something answered that is not an Asterisk Manager Interface (its first line, cut to 80).
        case notAsterisk(greeting: String)
        /// Nothing usable answered.
        case unreachable(reason: String)
    }

    public var state: AMIConnectionState
    /// The first line the peer sent, if any.
    public var greeting: String?
    /// Asterisk's `Message:` when it refused the login.
    public var refusal: String?

    public init(state: AMIConnectionState, greeting: String?, refusal: String?) {
        self.state = state
        self.greeting = greeting
        self.refusal = refusal
    }

    public var outcome: Outcome {
        switch state {
        case .connected:
            return .accepted(banner: greeting ?? "")
        case .authenticationFailed(let message):
            return .refused(message: refusal ?? message)
        case .disconnected(let reason):
            if let greeting, !greeting.hasPrefix(AMILoginProbe.bannerPrefix) {
                return .notAsterisk(greeting: String(greeting.prefix(80)))
            }
            return .unreachable(reason: reason)
        case .connecting, .stopped:
            return .unreachable(reason: "\(state)")
        }
    }

    /// How every AMI banner starts (`Asterisk Call Manager/9.0.0`).
    static let bannerPrefix = "Asterisk Call Manager/"
}
