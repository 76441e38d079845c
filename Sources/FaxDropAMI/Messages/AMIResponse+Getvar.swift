extension AMIResponse {
    /// The value a successful `Getvar` answered; nil for an error or an empty value.
    public var getvarValue: String? {
        guard isSuccess, let value = message["Value"]?.trimmingSpaces, !value.isEmpty else { return nil }
        return value
    }
}
