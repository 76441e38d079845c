/// The answer to `AMIAction.moduleCheck`: Asterisk's `manager_modulecheck()`
/// (main/manager.c) cuts the name at its first `.`, adds `.so`, and answers
/// `Response: Success` with a `Version:` header (empty since the move to git) when the
/// module is running, or `Response: Error` / `Message: Module not loaded`.
///
/// Limit (read in main/loader.c, not seen live): `ast_module_check()` looks the name up in
/// the loader's module list and does not look at its running flag. A module that is not
/// installed or not listed in modules.conf is "not loaded"; one that was opened but
/// declined to start (the issue-15 chan_pjsip) can stay in that list, shown as "Not
/// Running" by `module show`, and then passes. That case is caught at the first call:
/// cause 66 fails at once as `channel_driver_missing`.
public enum ModuleCheckResponse: Sendable, Equatable {
    case loaded
    /// Asterisk's message: `Module not loaded`, or e.g. `Permission denied` when the AMI
    /// user lacks write class `system` (then nothing is known about the module).
    case notLoaded(message: String)
    case cannotTell(message: String)

    public init(_ response: AMIResponse) {
        if response.isSuccess {
            self = .loaded
            return
        }
        let message = response.message["Message"] ?? "error"
        self =
            message.caseInsensitiveEquals("Module not loaded")
            ? .notLoaded(message: message) : .cannotTell(message: message)
    }
}
