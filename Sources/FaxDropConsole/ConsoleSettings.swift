import FaxDropCore
import Foundation

/// The console's own settings, read from the same environment as the daemon's:
/// `FAXDROP_HTTP_KEYS_FILE`, `FAXDROP_HTTP_SECURE_COOKIES`, `FAXDROP_AUDIT_LOG`,
/// `FAXDROP_CONSOLE_SESSION_MINUTES`. The API key itself comes from `API_KEY` (Configuration).
public struct ConsoleSettings: Sendable {
    /// A file of named keys, lines `name role key` (see `etc/faxdrop-keys.example`).
    public var keysFile: String?
    /// Mark the session cookie `Secure` (set it when the console is reached over HTTPS).
    public var secureCookies = false
    /// The audit log (JSON lines); default `<spool>/audit.log`.
    public var auditLog: String
    /// A session ends this long after its last use.
    public var sessionIdle: TimeInterval = 30 * 60
    /// The most bytes of documents one send form may upload (the daemon's `FAXDROP_MAX_BYTES`).
    public var maxUploadBytes: Int64 = 50 << 20

    public init(spool: String, keysFile: String? = nil, secureCookies: Bool = false, auditLog: String? = nil) {
        self.keysFile = keysFile
        self.secureCookies = secureCookies
        self.auditLog = auditLog ?? (spool + "/audit.log")
    }

    /// From the process environment (the daemon's configuration file values merged in by the caller).
    public init(environment: [String: String], configuration: Configuration) throws {
        self.init(spool: configuration.spool)
        maxUploadBytes = configuration.maxBytes
        if let file = environment["FAXDROP_HTTP_KEYS_FILE"], !file.isEmpty { keysFile = file }
        if let log = environment["FAXDROP_AUDIT_LOG"], !log.isEmpty { auditLog = log }
        switch environment["FAXDROP_HTTP_SECURE_COOKIES"]?.lowercased() {
        case nil, "", "false", "0", "no", "off": secureCookies = false
        case "true", "1", "yes", "on": secureCookies = true
        case let other?:
            throw ConfigurationError(key: "FAXDROP_HTTP_SECURE_COOKIES", problem: "'\(other)' is not true or false")
        }
        if let text = environment["FAXDROP_CONSOLE_SESSION_MINUTES"], !text.isEmpty {
            guard let minutes = Int(text), (1...24 * 60).contains(minutes) else {
                throw ConfigurationError(key: "FAXDROP_CONSOLE_SESSION_MINUTES", problem: "'\(text)' is not 1…1440")
            }
            sessionIdle = TimeInterval(minutes * 60)
        }
    }
}
