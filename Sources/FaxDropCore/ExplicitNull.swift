/// An optional property written as `null` when it has no value, where Swift's synthesized
/// `Codable` would leave the key out: the sidecar schemas require those keys to be present
/// (`error` of a sent fax, `stored_as` when nothing was kept). Read back, a missing key and
/// `null` both give `nil`.
@propertyWrapper
public struct ExplicitNull<Wrapped: Sendable>: Sendable {
    public var wrappedValue: Wrapped?

    public init(wrappedValue: Wrapped?) {
        self.wrappedValue = wrappedValue
    }
}

extension ExplicitNull: Equatable where Wrapped: Equatable {}

extension ExplicitNull: Encodable where Wrapped: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue {
            try container.encode(wrappedValue)
        } else {
            try container.encodeNil()
        }
    }
}

extension ExplicitNull: Decodable where Wrapped: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try container.decode(Wrapped.self)
    }
}

extension KeyedDecodingContainer {
    /// Lets a synthesized decoder read an absent key as `nil` (it asks for the wrapper, not
    /// the optional, so it would otherwise require the key).
    public func decode<Wrapped: Decodable>(
        _ type: ExplicitNull<Wrapped>.Type, forKey key: Key
    ) throws -> ExplicitNull<Wrapped> {
        ExplicitNull(wrappedValue: try decodeIfPresent(Wrapped.self, forKey: key))
    }
}
