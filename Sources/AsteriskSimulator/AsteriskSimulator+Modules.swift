import FaxDropAMI
import FaxDropCore

extension AsteriskSimulator {
    /// As main/manager.c `manager_modulecheck()`: the name is cut at its first `.` and
    /// checked as `<name>.so`; `Version:` is empty on builds from git.
    func moduleCheck(_ message: AMIMessage, session: ObjectIdentifier) {
        let name = String((message["Module"] ?? "").prefix { $0 != "." })
        guard options.loadedModules.contains(name) else {
            return reply(session, message, ["Response": "Error", "Message": "Module not loaded"])
        }
        reply(session, message, ["Response": "Success", "Version": ""])
    }

    /// `Getvar` without a channel reads a dialplan global; only `FAXDROP_DIAL_TECH` is set.
    func getVariable(_ message: AMIMessage, session: ObjectIdentifier) {
        guard let name = message["Variable"], !name.isEmpty else {
            return reply(session, message, ["Response": "Error", "Message": "No variable specified"])
        }
        if let channel = message["Channel"], !channel.isEmpty, findCall(channel) == nil {
            return reply(session, message, ["Response": "Error", "Message": "No such channel"])
        }
        let value = name == AsteriskModules.dialTechnologyVariable ? options.dialTechnology : ""
        reply(session, message, ["Response": "Success", "Variable": name, "Value": value])
    }

    /// As main/manager.c `action_dbdel()`.
    func databaseDelete(_ message: AMIMessage, session: ObjectIdentifier) {
        guard let family = message["Family"], !family.isEmpty else {
            return reply(session, message, ["Response": "Error", "Message": "No family specified."])
        }
        guard let key = message["Key"], !key.isEmpty else {
            return reply(session, message, ["Response": "Error", "Message": "No key specified."])
        }
        guard database.removeValue(forKey: "\(family)/\(key)") != nil else {
            return reply(session, message, ["Response": "Error", "Message": "Database entry not deleted"])
        }
        reply(session, message, ["Response": "Success", "Message": "Key deleted successfully"])
    }

    /// Whether Dial() can create a channel of the dialplan's technology.
    var channelDriverLoaded: Bool {
        options.loadedModules.contains(AsteriskModules.channelDriver(forTechnology: options.dialTechnology))
    }
}
