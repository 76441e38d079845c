/// `Action: Status` of one channel: `Response: Success` while it exists, an error once it is gone.
public struct StatusAction: Sendable, Equatable {
    public var channel: String
    public var actionID: String

    public init(channel: String, actionID: String) {
        self.channel = channel
        self.actionID = actionID
    }

    public var message: AMIMessage { AMIMessage(["Action": "Status", "ActionID": actionID, "Channel": channel]) }
}
