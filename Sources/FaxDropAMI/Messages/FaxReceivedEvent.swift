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

    /// The fields in the order the dialplan raises them (a test checks extensions.conf).
    public static let fields = [
        "ReceiveID", "DID", "Caller", "RemoteStationID", "Pages", "Status", "Error", "StatusString", "BitRate",
        "Resolution", "Mode", "HangupCause", "Duration", "File",
    ]

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
        func text(_ key: String) -> String? { dialplanText(fields(key)) }
        receiveID = text("ReceiveID")
        did = text("DID")
        caller = text("Caller")
        remoteStationID = text("RemoteStationID")
        pages = text("Pages").flatMap { Int($0) }
        status = text("Status")?.uppercased()
        error = text("Error")
        statusString = text("StatusString")
        bitRate = text("BitRate").flatMap { Int($0) }
        resolution = text("Resolution")
        mode = text("Mode")
        hangupCause = text("HangupCause").flatMap { Int($0) }
        duration = text("Duration").flatMap { Int($0) }
        file = text("File")
    }

    /// The event's fields as the dialplan writes them, in order, before encoding.
    public var orderedFields: [(String, String)] {
        [
            ("ReceiveID", receiveID ?? ""), ("DID", did ?? ""), ("Caller", caller ?? ""),
            ("RemoteStationID", remoteStationID ?? ""), ("Pages", pages.map(String.init) ?? ""),
            ("Status", status ?? ""), ("Error", error ?? ""), ("StatusString", statusString ?? ""),
            ("BitRate", bitRate.map(String.init) ?? ""), ("Resolution", resolution ?? ""), ("Mode", mode ?? ""),
            ("HangupCause", hangupCause.map(String.init) ?? ""), ("Duration", duration.map(String.init) ?? ""),
            ("File", file ?? ""),
        ]
    }
}
