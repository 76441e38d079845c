import FaxDropCore
import FaxDropDaemon
import FaxDropIndex
import FaxDropNotify
import FaxDropSystem
import Foundation
import Hummingbird
import Logging
import NIOPosix

/// Everything `faxdrop run` adds around the engine for the world outside (issue 6): the
/// HTTP API with metrics and health, the systemd notifier, the `FAXDROP_ON_RESULT` hook and
/// the webhook. `make` registers the observers on the engine and returns the services to
/// `add` to the daemon.
public struct EcosystemServices: Sendable {
    public let services: [any DaemonService]
    public let metrics: Metrics
    /// `nil` when `FAXDROP_HTTP=false`.
    public let http: HTTPServer?
    public let systemd: SystemdNotifier
    /// The job index, kept current from the engine (`<spool>/index/jobs.sqlite`).
    public let index: JobIndexObserver

    /// - Parameter amiConnected: whether the AMI session is logged in now (`nil`: no AMI,
    ///   the loopback backend); shown as `faxdrop_ami_connected` and in `/healthz`.
    /// - Throws: `SettingError` for a webhook URL that is not `http://` or `https://`.
    public static func make(
        configuration: Configuration, daemon: Daemon, amiConnected: (@Sendable () async -> Bool?)? = nil,
        receiver: ReceiveService? = nil,
        console: (@Sendable (_ index: JobIndexObserver) throws -> @Sendable (Router<FaxDropRequestContext>) -> Void)? =
            nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        webhookBackoff: WebhookNotifier.Backoff = .init(), logger: Logger
    ) async throws -> EcosystemServices {
        let engine = daemon.engine
        let spool = daemon.spool
        let metrics = Metrics()
        await engine.addObserver(metrics)
        receiver?.addObserver(metrics)
        // The index opens first, so the HTTP list finds it open.
        let index = JobIndexObserver(spool: spool, logger: logger)
        await engine.addObserver(index)
        var services: [any DaemonService] = [index]

        var http: HTTPServer?
        if configuration.httpEnabled {
            // Uploads a crash left half-written in tmp/.
            StagedUpload.removeLeftovers(spool)
            let api = FaxAPI(
                spool: spool, apiKey: configuration.apiKey, maxBytes: configuration.maxBytes, logger: logger)
            var routes = HTTPRoutes(
                api: api,
                metrics: {
                    var live = Metrics.Live(
                        jobs: await engine.snapshot(), callsInProgress: await engine.callsInProgress,
                        dropZoneFiles: (try? await NIOThreadPool.singleton.runIfActive {
                            StatusReport.waitingInDropZone(spool)
                        }) ?? 0,
                        amiConnected: await amiConnected?(), nodes: await engine.nodeReports)
                    if let open = index.index {
                        live.ended = try? await NIOThreadPool.singleton.runIfActive { try open.endedTotals() }
                    }
                    return metrics.exposition(live)
                },
                health: {
                    _ = await engine.callsInProgress  // the engine answers
                    return health(spool: spool, amiConnected: await amiConnected?())
                },
                inbound: InboundAPI(spool: spool), faxList: FaxListAPI(index: { index.index }))
            if let console { routes.mounts.append(try console(index)) }
            let server = HTTPServer(
                host: configuration.httpHost, port: configuration.httpPort, limits: HTTPServer.Limits(configuration),
                routes: routes, logger: logger)
            if configuration.apiKey == nil {
                logger.warning("API_KEY is not set: the HTTP API refuses every /fax request")
            }
            services.append(server)
            http = server
        }

        if let command = configuration.onResult {
            let hook = ResultHook(command: command, environment: environment, metrics: metrics, logger: logger)
            await engine.addObserver(hook)
            services.append(hook)
        }

        if let command = configuration.onReceive, let receiver {
            let hook = ResultHook(
                command: command, name: "FAXDROP_ON_RECEIVE", environment: environment, metrics: metrics, logger: logger
            )
            receiver.addObserver(hook)
            services.append(hook)
        }

        if let url = configuration.webhookURL {
            guard let target = HTTPPost.Target(url) else {
                throw SettingError(
                    key: "FAXDROP_WEBHOOK_URL", problem: "expected an http[s]://host[:port]/path URL")
            }
            let webhook = WebhookNotifier(
                target: target, secret: configuration.webhookSecret,
                client: HTTPPost(caFile: configuration.webhookCAFile),
                backoff: webhookBackoff, metrics: metrics, logger: logger)
            await engine.addObserver(webhook)
            receiver?.addObserver(webhook)
            services.append(webhook)
        }

        let systemd = SystemdNotifier(
            environment: environment,
            alive: {
                _ = await engine.callsInProgress
                return true
            }, logger: logger)
        services.append(systemd)
        return EcosystemServices(services: services, metrics: metrics, http: http, systemd: systemd, index: index)
    }

    /// `GET /healthz`: 200 when the spool can be written (and AMI is logged in, with sip).
    static func health(spool: Spool, amiConnected: Bool?) -> APIResponse {
        struct Body: Encodable {
            var status: String
            var version: String
            var spoolWritable: Bool
            var amiConnected: Bool?
            enum CodingKeys: String, CodingKey {
                case status, version
                case spoolWritable = "spool_writable"
                case amiConnected = "ami_connected"
            }
        }
        let writable = Syscall.isWritable(spool.tmp) && Syscall.isWritable(spool.outgoing)
        let ok = writable && amiConnected != false
        return .json(
            ok ? 200 : 503,
            Body(
                status: ok ? "ok" : "degraded", version: FaxDropVersion.string, spoolWritable: writable,
                amiConnected: amiConnected))
    }
}

/// A setting the ecosystem services cannot work with.
public struct SettingError: Error, Sendable, CustomStringConvertible {
    public var key: String
    public var problem: String
    public var description: String { "\(key): \(problem)" }
}
