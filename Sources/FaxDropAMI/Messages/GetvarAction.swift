/// `Action: Getvar` without `Channel:`: reads a dialplan global (main/manager.c
/// `action_getvar()` looks the name up with no channel, i.e. in `[globals]`). The answer
/// is `Response: Success` with `Variable: <name>` and `Value: <value>` (empty when unset).
/// Needs write class `call` or `reporting`.
public struct GetvarAction: Sendable, Equatable {
    public var variable: String
    public var actionID: String

    public init(variable: String, actionID: String) {
        self.variable = variable
        self.actionID = actionID
    }

    public var message: AMIMessage {
        AMIMessage(["Action": "Getvar", "ActionID": actionID, "Variable": variable])
    }

    /// The value of a successful answer; nil for an error or an empty value.
    public static func value(of response: AMIMessage) -> String? {
        guard response.response?.caseInsensitiveEquals("Success") == true,
            let value = response["Value"]?.trimmingSpaces, !value.isEmpty
        else { return nil }
        return value
    }
}
