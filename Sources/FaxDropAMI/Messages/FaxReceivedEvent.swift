/// The `UserEvent` `FaxReceived` that `[faxdrop-rx-ended]` in FaxDrop's dialplan raises
/// exactly once per inbound call (SPEC §10), read field by field. Everything in it came
/// from the line or the caller and is untrusted: `ReceivedFax` (FaxDropCore) validates
/// and sanitises it before any of it reaches a path, a log line or a sidecar.
public struct FaxReceivedEvent: Sendable, Equatable {
    /// The inbound channel's `UNIQUEID`; also the AstDB key and the received file's name.
    public var receiveID: String?
    public var did: String?
    public var caller: String?
    public var remoteStationID: String?
    public var pages: Int?
    /// `SUCCESS` or `FAILED`.
    public var status: String?
    public var error: String?
    public var statusString: String?
    public var bitRate: Int?
    /// `<x>x<y>` in pixels per metre (spandsp), e.g. `8031x7700`.
    public var resolution: String?
    /// `T38` or `audio`; nil when the fax never started.
    public var mode: String?
    public var hangupCause: Int?
    public var duration: Int?
    /// The received TIFF as Asterisk sees it; nil when ReceiveFAX wrote nothing.
    public var file: String?

    public init() {}

    public static let userEventName = "FaxReceived"
    /// The AstDB family of the copy (`FaxDropRx/<receive id>`).
    public static let databaseFamily = "FaxDropRx"

    /// Where a field is kept: text, or a number written in decimal.
    private enum Slot {
        case text(WritableKeyPath<FaxReceivedEvent, String?>)
        case number(WritableKeyPath<FaxReceivedEvent, Int?>)
    }

    /// Each field, in the order the dialplan raises them, and where it is kept: what reading
    /// the event (`init(fields:)`) and writing it (`orderedFields`) both go by.
    private static var slots: [(name: String, slot: Slot)] {
        [
            ("ReceiveID", .text(\.receiveID)), ("DID", .text(\.did)), ("Caller", .text(\.caller)),
            ("RemoteStationID", .text(\.remoteStationID)), ("Pages", .number(\.pages)), ("Status", .text(\.status)),
            ("Error", .text(\.error)), ("StatusString", .text(\.statusString)), ("BitRate", .number(\.bitRate)),
            ("Resolution", .text(\.resolution)), ("Mode", .text(\.mode)), ("HangupCause", .number(\.hangupCause)),
            ("Duration", .number(\.duration)), ("File", .text(\.file)),
        ]
    }

    /// The fields in the order the dialplan raises them (a test checks extensions.conf).
    public static let fields = slots.map { $0.name }

    /// Fields the dialplan percent-encodes (`URIENCODE`): all the free text.
    public static let encodedFields: Set<String> = [
        "DID", "Caller", "RemoteStationID", "Error", "StatusString", "File",
    ]

    /// Reads a `FaxReceived` user event, decoding the free text; nil for any other message.
    /// Only the dialplan's own fields count (`AMIMessage.userEventBody`): a caller number
    /// holding CR LF in the channel snapshot cannot forge them.
    public init?(_ message: AMIMessage) {
        guard let fields = message.userEventFields(named: Self.userEventName, encoded: Self.encodedFields) else {
            return nil
        }
        self.init(fields: fields)
    }

    /// Reads the AstDB copy (`Key=value&...`, values percent-encoded).
    public init(stored value: String) {
        let fields = StoredResult.parse(value)
        self.init(fields: { fields[$0] })
    }

    /// Reads the fields from any decoded key-value source.
    public init(fields: (String) -> String?) {
        for (name, slot) in Self.slots {
            let text = dialplanText(fields(name))
            switch slot {
            case .text(let path): self[keyPath: path] = text
            case .number(let path): self[keyPath: path] = text.flatMap { Int($0) }
            }
        }
        status = status?.uppercased()
    }

    /// The event's fields as the dialplan writes them, in order, before encoding.
    public var orderedFields: [(String, String)] {
        Self.slots.map { name, slot in
            switch slot {
            case .text(let path): (name, self[keyPath: path] ?? "")
            case .number(let path): (name, self[keyPath: path].map(String.init) ?? "")
            }
        }
    }
}
