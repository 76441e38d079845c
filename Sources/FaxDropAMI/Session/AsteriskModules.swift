/// The Asterisk modules FaxDrop's dialplan cannot work without, and the channel driver
/// behind a dial technology. Asked about over AMI (`ModuleCheck`) after login and by
/// `faxdrop check`, so a module that did not load is named instead of every call failing.
public enum AsteriskModules {
    /// What `extensions.conf` uses besides the channel driver: SendFAX and its spandsp
    /// technology, LOCK/UNLOCK, DB/DB_EXISTS, URIENCODE/URIDECODE, Gosub and hang-up
    /// handlers, UserEvent.
    public static let dialplanModules = [
        "res_fax", "res_fax_spandsp", "func_lock", "func_db", "func_uri", "app_stack", "app_userevent",
    ]

    /// The dialplan global that names the trunk's technology (`[globals]` of extensions.conf).
    public static let dialTechnologyVariable = "FAXDROP_DIAL_TECH"

    /// The module that registers a channel technology: `PJSIP` → `chan_pjsip`. Unknown
    /// technologies map to `chan_<lowercased>`, which is Asterisk's naming for all of them.
    public static func channelDriver(forTechnology technology: String) -> String {
        switch technology.trimmingSpaces.uppercased() {
        case "PJSIP": return "chan_pjsip"
        case "SIP": return "chan_sip"
        case "IAX2": return "chan_iax2"
        case "DAHDI": return "chan_dahdi"
        default: return "chan_\(technology.trimmingSpaces.lowercased())"
        }
    }

    /// Every module to check, the channel driver first.
    public static func required(dialTechnology: String) -> [String] {
        [channelDriver(forTechnology: dialTechnology)] + dialplanModules
    }
}
