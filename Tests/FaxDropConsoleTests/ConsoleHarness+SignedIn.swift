import HummingbirdTesting

extension ConsoleHarness {
    /// Runs `test` against the live console with a browser signed in with `key` through the form.
    func runSignedIn(
        key: String = ConsoleHarness.apiKey,
        _ test: @escaping @Sendable (any TestClientProtocol, Browser) async throws -> Void
    ) async throws {
        try await run { client in try await test(client, try await Browser.signIn(client, key: key)) }
    }
}
