import FaxDropCore

/// The actions the session machine writes besides Originate, with the headers Asterisk's main/manager.c reads for each, in the order they go out. Every
/// message carries the `ActionID` its response (and any events it causes) will echo.
public enum AMIAction: Sendable, Equatable {
    /// The user's secret goes in plain text (AMI over loopback or a private network);
    /// `events` is the event classes the connection wants (`off` for none).
    case login(username: String, secret: Secret, events: String)
    /// Asterisk answers `Response: Goodbye` and closes the connection.
    case logoff
    /// The keep-alive: `Response: Success` / `Ping: Pong`.
    case ping
    /// One channel, by name or by the Uniqueid FaxDrop chose for it.
    case hangup(channel: String)
    /// `Response: Success` while the channel exists, an error once it is gone.
    case status(channel: String)
    /// `family/key` in AstDB: on success the value follows as a `DBGetResponse` event
    /// (`AMIEvent.databaseValue`) with the same ActionID.
    case databaseGet(family: String, key: String)
    /// `DBDel`; `Database entry not deleted` when there was none.
    case databaseDelete(family: String, key: String)
    /// `DBGetTree` of a whole family: one `DBGetTreeResponse` event per entry, then
    /// `DBGetTreeComplete` (`AMIEvent.databaseTreeEntry` / `.databaseTreeComplete`).
    case databaseTree(family: String)
    /// A dialplan global: without `Channel:`, main/manager.c `action_getvar()` looks the name
    /// up in `[globals]`. The answer is `Response: Success` with `Variable:` and `Value:`
    /// (empty when unset), read by `AMIResponse.getvarValue`. Needs write class `call` or `reporting`.
    case getvar(variable: String)
    /// Is a module loaded? (`ModuleCheckResponse` reads the answer.) The name goes without
    /// `.so`, e.g. `chan_pjsip`. Needs write class `system`.
    case moduleCheck(module: String)

    public func message(actionID id: String) -> AMIMessage {
        switch self {
        case .login(let username, let secret, let events):
            return AMIMessage([
                "Action": "Login", "ActionID": id, "Username": username, "Secret": secret.value, "Events": events,
            ])
        case .logoff: return AMIMessage(["Action": "Logoff", "ActionID": id])
        case .ping: return AMIMessage(["Action": "Ping", "ActionID": id])
        case .hangup(let channel): return AMIMessage(["Action": "Hangup", "ActionID": id, "Channel": channel])
        case .status(let channel): return AMIMessage(["Action": "Status", "ActionID": id, "Channel": channel])
        case .databaseGet(let family, let key):
            return AMIMessage(["Action": "DBGet", "ActionID": id, "Family": family, "Key": key])
        case .databaseDelete(let family, let key):
            return AMIMessage(["Action": "DBDel", "ActionID": id, "Family": family, "Key": key])
        case .databaseTree(let family): return AMIMessage(["Action": "DBGetTree", "ActionID": id, "Family": family])
        case .getvar(let variable): return AMIMessage(["Action": "Getvar", "ActionID": id, "Variable": variable])
        case .moduleCheck(let module): return AMIMessage(["Action": "ModuleCheck", "ActionID": id, "Module": module])
        }
    }
}
