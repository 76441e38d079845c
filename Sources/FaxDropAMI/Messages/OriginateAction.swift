import FaxDropCore
import Foundation

/// The one `Action: Originate` FaxDrop sends per call attempt (SPEC §7).
///
/// `Channel: Local/<+number>@<outbound context>` dials the trunk from the `;2` half; when
/// the far end answers, `;1` runs `s,1` of the send context with the variables below.
/// Every value travels in its own `Variable:` header and never carries a comma: free
/// text (page header, station id) is percent-encoded and decoded by the dialplan with
/// `URIDECODE()`.
public struct OriginateAction: Sendable, Equatable {
    public struct Variable: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    /// `<job-id>-<attempt>`.
    public var callID: String
    /// `fax-<callID>`: the ActionID, and the Uniqueid of the `;1` channel (ChannelId).
    public var actionID: String
    public var channelID: String { actionID }
    public var channel: String
    public var context: String
    public var timeout: Duration
    public var callerID: String?
    public var variables: [Variable]

    public init(
        callID: String, channel: String, context: String, timeout: Duration, callerID: String?,
        variables: [Variable]
    ) {
        self.callID = callID
        self.actionID = "fax-\(callID)"
        self.channel = channel
        self.context = context
        self.timeout = timeout
        self.callerID = callerID
        self.variables = variables
    }

    /// The Originate for one attempt of `call`.
    /// - Throws: `FaxError(.internalError)` when the fax file path cannot travel safely.
    public init(call: CallRequest, configuration: Configuration) throws(FaxError) {
        let file = Self.asteriskPath(
            call.tiffPath, spool: configuration.spool, asteriskSpool: configuration.asteriskSpool)
        guard Self.isSafeValue(file), file.hasPrefix("/") else {
            throw FaxError(.internalError, "the fax file path cannot be passed to Asterisk: \(file)")
        }
        let station = call.localStationID
        let digits = station.filter { $0 == "+" || $0.isASCII && $0.isNumber }
        let callerID = !digits.isEmpty && station.allSatisfy({ "+0123456789 -()".contains($0) }) ? digits : nil
        self.init(
            callID: call.callID,
            channel: "Local/\(call.destination.value)@\(configuration.amiOutboundContext)",
            context: configuration.amiSendContext,
            timeout: configuration.dialTimeout,
            callerID: callerID,
            variables: [
                Variable(name: "FAXDROP_CALL", value: call.callID),
                Variable(name: "FAXDROP_JOB", value: call.jobID.value),
                Variable(name: "FAXDROP_ATTEMPT", value: String(call.attempt)),
                Variable(name: "FAXDROP_NUMBER", value: call.destination.value),
                Variable(name: "FAXDROP_PAGES", value: String(call.pages)),
                Variable(name: "FAXFILE", value: file),
                Variable(name: "FAXDROP_HEADER", value: PercentEncoding.encode(call.header)),
                Variable(name: "FAXDROP_STATION", value: PercentEncoding.encode(station)),
            ])
    }

    public var message: AMIMessage {
        var m = AMIMessage([
            "Action": "Originate",
            "ActionID": actionID,
            "Channel": channel,
            "Context": context,
            "Exten": "s",
            "Priority": "1",
            "Timeout": String(max(1, Int(timeout.milliseconds))),
            "ChannelId": channelID,
            "Async": "true",
        ])
        if let callerID { m.append("CallerID", callerID) }
        for variable in variables { m.append("Variable", "\(variable.name)=\(variable.value)") }
        return m
    }

    /// The file as Asterisk sees it: under `asteriskSpool` when the spool is mounted
    /// elsewhere in the Asterisk container (`FAXDROP_ASTERISK_SPOOL`), else absolute.
    public static func asteriskPath(_ path: String, spool: String, asteriskSpool: String?) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let asteriskSpool, !asteriskSpool.isEmpty else { return absolute }
        var root = URL(fileURLWithPath: spool).standardizedFileURL.path
        if root.hasSuffix("/") { root.removeLast() }
        guard absolute.hasPrefix(root + "/") else { return absolute }
        var target = asteriskSpool
        if target.hasSuffix("/") { target.removeLast() }
        return target + absolute.dropFirst(root.count)
    }

    /// A value that survives `Variable:` splitting and dialplan argument parsing as is.
    static func isSafeValue(_ value: String) -> Bool {
        value.unicodeScalars.allSatisfy { s in
            s.value >= 0x20 && s.value != 0x7F && !",\"\\|;$[]{}()".unicodeScalars.contains(s)
        }
    }
}

/// RFC 3986 percent-encoding of everything but unreserved characters, which Asterisk's
/// `URIDECODE()` undoes.
public enum PercentEncoding {
    public static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
            }
        }
        return out
    }

    public static func decode(_ text: String) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
