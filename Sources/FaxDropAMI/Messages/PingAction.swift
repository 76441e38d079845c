/// `Action: Ping`: the keep-alive; Asterisk answers `Response: Success` / `Ping: Pong`.
public struct PingAction: Sendable, Equatable {
    public var actionID: String

    public init(actionID: String) { self.actionID = actionID }

    public var message: AMIMessage { AMIMessage(["Action": "Ping", "ActionID": actionID]) }
}
