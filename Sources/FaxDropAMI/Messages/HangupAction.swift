/// `Action: Hangup` of one channel (by name, or by the Uniqueid FaxDrop chose for it).
public struct HangupAction: Sendable, Equatable {
    public var channel: String
    public var actionID: String

    public init(channel: String, actionID: String) {
        self.channel = channel
        self.actionID = actionID
    }

    public var message: AMIMessage { AMIMessage(["Action": "Hangup", "ActionID": actionID, "Channel": channel]) }
}
