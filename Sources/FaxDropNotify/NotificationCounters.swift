/// Where the notifiers count what became of each delivery, by result (`ok`, `failed`,
/// `timeout` for the hook; `delivered`, `retried`, `abandoned` for the webhook).
/// FaxDropHTTP's `Metrics` is one, shown on `/metrics`.
public protocol NotificationCounters: Sendable {
    func webhook(_ result: String)
    func hook(_ result: String)
}
