/// The environment a `faxdrop-render` worker starts with: built from an allow-list, never
/// the daemon's whole environment, so no secret (`ASTERISK_AMI_PASSWORD`, `API_KEY`,
/// `SIP_PASSWORD`, the webhook secret, anything else the operator exported) can be read from
/// `/proc/<worker>/environ` or by a document that escapes Ghostscript.
public enum WorkerEnvironment {
    /// Exactly these names pass, besides `LC_*`.
    public static let allowed: Set<String> = [
        "PATH", "LANG", "LANGUAGE", "TZ", "LD_LIBRARY_PATH",
        "GS_LIB", "GS_FONTPATH",
        "FAXDROP_RESOLUTION", "FAXDROP_PAPER", "FAXDROP_MAX_PAGES", "FAXDROP_MAX_BYTES", "FAXDROP_TRIM_BLANK",
        "FAXDROP_RENDER_MEMORY_MB", "FAXDROP_RENDER_PROFILE", "FAXDROP_RENDER_SANDBOX",
    ]

    /// The worker's environment from the daemon's: the allowed names, then `overrides`, then
    /// `FAXDROP_RENDER_SCRATCH` (its private temp directory) and `TMPDIR` set to it, and
    /// `SWIFT_BACKTRACE=enable=no` (a crashing worker dies at once instead of running Swift's
    /// backtracer, which can take longer than the render timeout).
    public static func make(from environment: [String: String], overrides: [String: String] = [:], scratch: String)
        -> [String: String]
    {
        var result = environment.filter { allowed.contains($0.key) || $0.key.hasPrefix("LC_") }
        for (key, value) in overrides { result[key] = value }
        result["FAXDROP_RENDER_SCRATCH"] = scratch
        result["TMPDIR"] = scratch
        result["SWIFT_BACKTRACE"] = "enable=no"
        return result
    }
}
