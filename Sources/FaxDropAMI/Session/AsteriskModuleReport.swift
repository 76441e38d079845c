/// What Asterisk said about the modules FaxDrop needs (`AsteriskModules.required`).
public struct AsteriskModuleReport: Sendable, Equatable {
    /// The dialplan's `FAXDROP_DIAL_TECH`, or `PJSIP` when it could not be read.
    public var dialTechnology: String
    /// False when `Getvar` did not return the global (then `PJSIP`, the shipped value, is assumed).
    public var technologyFromDialplan: Bool
    public var loaded: [String] = []
    /// Modules Asterisk says are not loaded: each one breaks sending.
    public var missing: [String] = []
    /// Modules Asterisk would not tell about (e.g. `Permission denied` without write `system`).
    public var unknown: [(module: String, message: String)] = []

    public init(dialTechnology: String, technologyFromDialplan: Bool) {
        self.dialTechnology = dialTechnology
        self.technologyFromDialplan = technologyFromDialplan
    }

    /// The channel driver of `dialTechnology`, e.g. `chan_pjsip`.
    public var channelDriver: String { AsteriskModules.channelDriver(forTechnology: dialTechnology) }

    /// One line per missing module, for logs and `faxdrop check`.
    public func explanation(of module: String) -> String {
        if module == channelDriver {
            return "\(module) is not loaded: Asterisk cannot place \(dialTechnology) calls "
                + "(FAXDROP_DIAL_TECH); every fax fails with channel_driver_missing. Check modules.conf and the "
                + "Asterisk log for why it declined to load"
        }
        return "\(module) is not loaded: FaxDrop's dialplan needs it; check modules.conf and the Asterisk log"
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.dialTechnology == b.dialTechnology && a.technologyFromDialplan == b.technologyFromDialplan
            && a.loaded == b.loaded && a.missing == b.missing && a.unknown.map(\.module) == b.unknown.map(\.module)
            && a.unknown.map(\.message) == b.unknown.map(\.message)
    }
}
