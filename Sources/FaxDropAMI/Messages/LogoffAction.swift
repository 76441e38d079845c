/// `Action: Logoff`: Asterisk answers `Response: Goodbye` and closes the connection.
public struct LogoffAction: Sendable, Equatable {
    public var actionID: String

    public init(actionID: String) { self.actionID = actionID }

    public var message: AMIMessage { AMIMessage(["Action": "Logoff", "ActionID": actionID]) }
}
