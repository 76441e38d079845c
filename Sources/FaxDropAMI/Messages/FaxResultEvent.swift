/// The `UserEvent` `FaxResult` the dialplan raises exactly once per attempt (SPEC §7),
/// read field by field. Older dialplans (the captures') lack some fields; those are nil.
public struct FaxResultEvent: Sendable, Equatable {
    public var jobID: String?
    public var callID: String?
    public var attempt: Int?
    /// `SUCCESS` or `FAILED`.
    public var status: String?
    public var error: String?
    /// What `FAXERROR` really said when `error` was normalised (captures' `RawError`).
    public var rawError: String?
    public var statusString: String?
    public var pages: Int?
    public var hangupCause: Int?
    public var dialStatus: String?
    /// `T38`, `audio`, or `none` before the fax stage.
    public var mode: String?
    public var bitRate: Int?
    public var resolution: String?
    public var remoteStationID: String?
    /// `dial` or `fax`.
    public var stage: String?
    /// Uniqueid of the channel that raised the event.
    public var uniqueID: String?

    public init() {}

    /// The fields the dialplan percent-encodes in the event (`URIENCODE`), so that no text
    /// from the far end can end a header line and forge another.
    public static let encodedFields: Set<String> = [
        "Error", "RawError", "StatusString", "RemoteStationID", "LocalStationID",
    ]

    /// Reads a `FaxResult` user event, decoding the free-text fields; nil for any other
    /// message. Only the dialplan's own fields count (`AMIMessage.userEventBody`): text in
    /// the channel snapshot before them (a caller id holding CR LF) cannot forge a result.
    /// The channel's `Uniqueid` is the snapshot's. (The AstDB copy is decoded as a whole by
    /// `StoredResult.parse`.)
    public init?(_ message: AMIMessage) {
        guard let fields = message.userEventFields(named: "FaxResult", encoded: Self.encodedFields) else { return nil }
        self.init(fields: fields)
        uniqueID = message["Uniqueid"]
    }

    /// Reads the fields from any key-value source (an event, or the AstDB copy).
    public init(fields: (String) -> String?) {
        func text(_ key: String) -> String? { dialplanText(fields(key)) }
        jobID = text("JobID")
        callID = text("CallID")
        attempt = text("Attempt").flatMap { Int($0) }
        status = text("Status")?.uppercased()
        error = text("Error")
        rawError = text("RawError")
        statusString = text("StatusString")
        pages = text("Pages").flatMap { Int($0) }
        hangupCause = text("HangupCause").flatMap { Int($0) }
        dialStatus = text("DialStatus")?.uppercased()
        mode = text("Mode")
        bitRate = text("BitRate").flatMap { Int($0) }
        resolution = text("Resolution")
        remoteStationID = text("RemoteStationID")
        stage = text("Stage")?.lowercased()
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}
