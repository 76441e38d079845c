import FaxDropCore

/// `Action: Login` with the user's secret (plain text: AMI over loopback or a private
/// network). `Events` is the event classes the connection wants (`off` for none).
public struct LoginAction: Sendable, Equatable {
    public var username: String
    public var secret: Secret
    public var events: String
    public var actionID: String

    public init(username: String, secret: Secret, events: String, actionID: String) {
        self.username = username
        self.secret = secret
        self.events = events
        self.actionID = actionID
    }

    public var message: AMIMessage {
        AMIMessage([
            "Action": "Login", "ActionID": actionID, "Username": username, "Secret": secret.value, "Events": events,
        ])
    }
}
