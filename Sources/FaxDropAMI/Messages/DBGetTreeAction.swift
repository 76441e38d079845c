/// `Action: DBGetTree` of a whole family: one `DBGetTreeResponse` event per entry, then
/// `DBGetTreeComplete` (`AMIEvent.databaseTreeEntry` / `.databaseTreeComplete`).
public struct DBGetTreeAction: Sendable, Equatable {
    public var family: String
    public var actionID: String

    public init(family: String, actionID: String) {
        self.family = family
        self.actionID = actionID
    }

    public var message: AMIMessage { AMIMessage(["Action": "DBGetTree", "ActionID": actionID, "Family": family]) }
}
