/// `Action: DBDel` of `family/key`; `Database entry not deleted` when there was none.
public struct DBDelAction: Sendable, Equatable {
    public var family: String
    public var key: String
    public var actionID: String

    public init(family: String, key: String, actionID: String) {
        self.family = family
        self.key = key
        self.actionID = actionID
    }

    public var message: AMIMessage {
        AMIMessage(["Action": "DBDel", "ActionID": actionID, "Family": family, "Key": key])
    }
}
