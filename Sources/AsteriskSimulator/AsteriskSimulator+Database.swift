import FaxDropAMI
import FaxDropCore

extension AsteriskSimulator {
    /// As main/manager.c `manager_dbgettree()`: `Success` with "Result will follow", one
    /// `DBGetTreeResponse` per key under the family (Key is the full `/family/key` path),
    /// then `DBGetTreeComplete`. An empty family is an error ("Database entry not found").
    func databaseGetTree(_ message: AMIMessage, session: ObjectIdentifier) {
        let family = message["Family"] ?? ""
        let entries = database.filter { $0.key.hasPrefix(family + "/") }.sorted { $0.key < $1.key }
        guard !entries.isEmpty else {
            return reply(session, message, ["Response": "Error", "Message": "Database entry not found"])
        }
        reply(session, message, ["Response": "Success", "EventList": "start", "Message": "Result will follow"])
        guard let channel = sessionChannel(session) else { return }
        for (key, value) in entries {
            var m = AMIMessage(["Event": "DBGetTreeResponse"])
            if let id = message.actionID { m.append("ActionID", id) }
            m.append("Key", "/" + key)
            m.append("Val", value)
            write(m.encoded, to: channel)
        }
        endEventList(message, "DBGetTreeComplete", items: entries.count, on: channel)
    }
}
