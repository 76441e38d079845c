import FaxDropSystem
import Foundation
import XCTest

/// Debian's Python, where `python3-prometheus-client` installs (`scripts/install-deps.sh`).
let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "/usr/bin/env"
let pythonPrefix = python == "/usr/bin/env" ? ["python3"] : []

/// Parses Prometheus text with the reference parser (`prometheus_client`) and returns every
/// sample as `name{label="v",...} value`, sorted labels; fails the test when it does not parse.
func parsePrometheus(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Double] {
    let script = """
        import sys, json
        from prometheus_client.parser import text_string_to_metric_families
        out = {}
        for family in text_string_to_metric_families(sys.stdin.read()):
            for s in family.samples:
                labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
                out[s.name + ("{" + labels + "}" if labels else "")] = s.value
        print(json.dumps(out))
        """
    let result = try runProgram(python, pythonPrefix + ["-c", script], input: Data(text.utf8))
    XCTAssertEqual(result.status, 0, "metrics do not parse: \(result.error)", file: file, line: line)
    let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Double]
    return object ?? [:]
}

/// Starts `python3 -c script arguments…`, a server that writes the port it listens on into
/// `portFile` (renamed into place, so it is read whole), and waits up to 10 s for that port;
/// a server that names none is killed.
func startPythonServer(
    _ script: String, _ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
    portFile: String
) throws -> (pid: pid_t, port: Int) {
    let pid = try ChildProcess.spawn([python] + pythonPrefix + ["-c", script] + arguments, environment: environment)
    let deadline = Date().addingTimeInterval(10)
    var port: Int?
    while port == nil && Date() < deadline {
        port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
        if port == nil { usleep(20_000) }
    }
    guard let port else {
        ChildProcess.signalGroup(pid, SIGKILL)
        throw CancellationError()
    }
    return (pid, port)
}

/// A webhook receiver on loopback (Python's http.server): records each POST's headers and
/// body as a JSON line and answers with the next status of `statuses` (the last repeats).
/// With `holdUntil`, each answer waits until a file exists at that path: a delivery in flight.
final class WebhookReceiver {
    let pid: pid_t
    let log: String
    let port: Int

    /// - Parameter tls: a certificate chain and key (PEM files): the receiver speaks https.
    init(
        statuses: [Int], folder: String, tls: (certificate: String, key: String)? = nil, holdUntil: String? = nil
    ) throws {
        log = folder + "/webhook-\(UUID().uuidString).jsonl"
        let script = """
            import os, sys, json, base64, time
            from http.server import HTTPServer, BaseHTTPRequestHandler
            statuses = [int(s) for s in sys.argv[2].split(",")]
            count = [0]
            class H(BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                    with open(sys.argv[1], "a") as f:
                        f.write(json.dumps({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                            "body": base64.b64encode(body).decode()}) + "\\n")
                    hold = os.environ.get("FAXDROP_TEST_HOLD_UNTIL")
                    while hold and not os.path.exists(hold):
                        time.sleep(0.01)
                    status = statuses[min(count[0], len(statuses) - 1)]
                    count[0] += 1
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                def log_message(self, *args):
                    pass
            server = HTTPServer(("127.0.0.1", 0), H)
            if len(sys.argv) > 5:
                import ssl
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(sys.argv[4], sys.argv[5])
                server.socket = context.wrap_socket(server.socket, server_side=True)
            with open(sys.argv[3] + ".tmp", "w") as f:
                f.write(str(server.server_address[1]))
            os.rename(sys.argv[3] + ".tmp", sys.argv[3])
            server.serve_forever()
            """
        let portFile = log + ".port"
        (pid, port) = try startPythonServer(
            script,
            [log, statuses.map(String.init).joined(separator: ","), portFile]
                + (tls.map { [$0.certificate, $0.key] } ?? []),
            environment: ProcessInfo.processInfo.environment.merging(
                holdUntil.map { ["FAXDROP_TEST_HOLD_UNTIL": $0] } ?? [:]
            ) { $1 },
            portFile: portFile)
    }

    struct Request {
        var path: String
        var headers: [String: String]
        var body: Data
    }

    var requests: [Request] {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return Request(
                path: o["path"] as? String ?? "", headers: o["headers"] as? [String: String] ?? [:],
                body: Data(base64Encoded: o["body"] as? String ?? "") ?? Data())
        }
    }

    func waitFor(_ count: Int, timeout: Double) async throws -> [Request] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let seen = requests
            if seen.count >= count { return seen }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTFail("the webhook receiver got \(requests.count) of \(count) requests")
        throw CancellationError()
    }

    deinit { stopChild(pid) }
}
