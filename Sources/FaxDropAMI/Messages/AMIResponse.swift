/// The answer to an action (`Response:` `Success`, `Error`, `Goodbye`), matched to it by
/// `ActionID`. Answers with fields of their own are read by what knows them
/// (`getvarValue`, `ModuleCheckResponse`) from `message`.
public struct AMIResponse: Sendable, Equatable {
    public var actionID: String?
    public var isSuccess: Bool
    /// Asterisk's `Message:` (e.g. `Authentication failed`, `Database entry not found`), or "".
    public var text: String
    public var message: AMIMessage

    public init(_ message: AMIMessage) {
        self.actionID = message.actionID
        self.isSuccess = message.response?.caseInsensitiveEquals("Success") == true
        self.text = message["Message"] ?? ""
        self.message = message
    }
}
