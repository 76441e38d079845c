import FaxDropCore
import FaxDropDaemon

/// Received faxes go to the same webhook (SPEC §10): the received sidecar, byte for byte,
/// signed like the outbound ones, with `X-FaxDrop-Event: fax.received` and the received
/// fax's id in `X-FaxDrop-Job`.
extension WebhookNotifier: ReceiveObserver {
    public func faxReceived(_ landed: ReceiveLander.Landed) {
        enqueue(landed.sidecar.id, sidecarPath: landed.sidecarPath, event: "fax.received")
    }
}
