/// Validation and sanitising of what a caller controls on an inbound fax (SPEC §10): the
/// dialled number, the caller number and the sender's station id all come from the line.
/// Nothing from them reaches a path unless it is a validated DID; the free text reaches
/// logs and sidecars only as printable ASCII of bounded length.
public enum InboundText {
    /// A DID as a folder name: an optional `+` and 1 to 15 digits. nil for anything else.
    public static func did(_ raw: String?) -> String? {
        guard let raw else { return nil }
        let bytes = Array(raw.utf8)
        let digits = bytes.first == UInt8(ascii: "+") ? bytes.dropFirst() : bytes[...]
        guard (1...15).contains(digits.count),
            digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return raw
    }

    /// Printable ASCII only (control characters, DEL and non-ASCII dropped), runs of spaces
    /// collapsed, trimmed, at most `limit` characters.
    public static func sanitise(_ raw: String?, limit: Int = 40) -> String {
        guard let raw else { return "" }
        var out = ""
        for scalar in raw.unicodeScalars where scalar.value >= 0x20 && scalar.value < 0x7F {
            if scalar == " " && (out.isEmpty || out.hasSuffix(" ")) { continue }
            out.unicodeScalars.append(scalar)
            if out.count >= limit { break }
        }
        while out.hasSuffix(" ") { out.removeLast() }
        return out
    }

    /// Asterisk's receive id (the inbound channel's `UNIQUEID`, `<seconds>.<sequence>`), the
    /// only name the received file has on the Asterisk side. nil for anything else.
    public static func receiveID(_ raw: String?) -> String? {
        guard let raw, let dot = raw.firstIndex(of: "."), raw.utf8.count <= 32 else { return nil }
        let head = raw[..<dot]
        let tail = raw[raw.index(after: dot)...]
        guard !head.isEmpty, !tail.isEmpty, head.allSatisfy(\.isASCIIDigit), tail.allSatisfy(\.isASCIIDigit) else {
            return nil
        }
        return raw
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
