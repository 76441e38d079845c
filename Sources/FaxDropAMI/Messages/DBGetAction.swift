/// `Action: DBGet` of `family/key` in AstDB: on success the value follows as a
/// `DBGetResponse` event (`AMIEvent.databaseValue`) with the same ActionID.
public struct DBGetAction: Sendable, Equatable {
    public var family: String
    public var key: String
    public var actionID: String

    public init(family: String, key: String, actionID: String) {
        self.family = family
        self.key = key
        self.actionID = actionID
    }

    public var message: AMIMessage {
        AMIMessage(["Action": "DBGet", "ActionID": actionID, "Family": family, "Key": key])
    }
}
