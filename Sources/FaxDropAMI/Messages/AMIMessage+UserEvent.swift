extension AMIMessage {
    /// The dialplan's own fields of a `UserEvent` named `name`: the headers after the last
    /// `UserEvent:` header, or nil when this is not such an event.
    ///
    /// Asterisk puts the channel snapshot (`CallerIDNum`, `ConnectedLineName`, …) before the
    /// `UserEvent:` header, unencoded, so a caller id holding CR LF can forge header lines
    /// there, even a `UserEvent:` line. The fields after the last one are the dialplan's,
    /// free text percent-encoded, and cannot be forged.
    public func userEventBody(named name: String) -> ArraySlice<Header>? {
        guard event?.caseInsensitiveEquals("UserEvent") == true,
            let last = headers.lastIndex(where: { $0.name.caseInsensitiveEquals("UserEvent") }),
            headers[last].value.caseInsensitiveEquals(name)
        else { return nil }
        return headers[(last + 1)...]
    }
}

extension AMIMessage {
    /// The dialplan's fields of a `UserEvent` named `name` (`userEventBody`) by header
    /// name, the `encoded` ones percent-decoded; nil when this is not such an event.
    func userEventFields(named name: String, encoded: Set<String>) -> ((String) -> String?)? {
        guard let body = userEventBody(named: name) else { return nil }
        return { key in
            let value = body[header: key]
            return encoded.contains(key) ? value.map(PercentEncoding.decode) : value
        }
    }
}

/// A dialplan field's value as FaxDrop reads it: without surrounding spaces, nil when empty.
func dialplanText(_ value: String?) -> String? {
    guard let value = value?.trimmingSpaces, !value.isEmpty else { return nil }
    return value
}

extension ArraySlice where Element == AMIMessage.Header {
    /// The first header named `name` (case-insensitive).
    public subscript(header name: String) -> String? {
        first { $0.name.caseInsensitiveEquals(name) }?.value
    }
}
