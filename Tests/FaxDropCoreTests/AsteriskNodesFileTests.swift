import FaxDropCore
import Foundation
import XCTest

/// `FAXDROP_ASTERISK_NODES` (issue 14): the nodes file, its defaults and its errors — which
/// name the line and never a secret.
final class AsteriskNodesFileTests: XCTestCase {
    func noFiles(_ path: String) throws -> String { throw CocoaError(.fileNoSuchFile) }

    func testEveryFieldAndTheDefaults() throws {
        let text = """
            # two nodes
            [ast1]
            host = 10.0.0.11
            port = 5039
            user = fax
            secret = s3cret-one
            max_channels = 60
            prefixes = +1 +44, +331
            weight = 2
            cps = 2.5

            [ast-2]
            host = ast2.example
            secret_file = /run/secrets/ast2
            max_channels = 30
            """
        let nodes = try AsteriskNodesFile.parse(text) { path in
            XCTAssertEqual(path, "/run/secrets/ast2")
            return "from-file\n"
        }
        XCTAssertEqual(
            nodes,
            [
                AsteriskNode(
                    name: "ast1", host: "10.0.0.11", port: 5039, username: "fax", secret: Secret("s3cret-one"),
                    maxChannels: 60, prefixes: ["+1", "+44", "+331"], weight: 2, callsPerSecond: 2.5),
                AsteriskNode(
                    name: "ast-2", host: "ast2.example", port: 5038, username: "faxdrop", secret: Secret("from-file"),
                    maxChannels: 30, prefixes: ["*"], weight: 1, callsPerSecond: 0),
            ])
    }

    /// Each node's receiving folder (where its ReceiveFAX writes, as FaxDrop sees it): nil,
    /// the spool's `receiving/`, unless the node names its own.
    func testReceivingDirPerNode() throws {
        let nodes = try AsteriskNodesFile.parse(
            "[a]\nhost = h\nsecret = x\nmax_channels = 2\nreceiving_dir = /mnt/ast-a/receiving/\n"
                + "[b]\nhost = h2\nsecret = y\nmax_channels = 2\n",
            readSecretFile: noFiles)
        XCTAssertEqual(nodes.map(\.receivingDir), ["/mnt/ast-a/receiving", nil])
    }

    func testWindowsLineEndings() throws {
        let nodes = try AsteriskNodesFile.parse(
            "[a]\r\nhost = h\r\nsecret = x\r\nmax_channels = 2\r\n", readSecretFile: noFiles)
        XCTAssertEqual(nodes.map(\.maxChannels), [2])
        XCTAssertEqual(nodes.first?.secret.value, "x")
    }

    func testErrorsNameTheLineAndNeverTheSecret() {
        let cases: [(String, String)] = [
            ("[a]\nhost = h\nmax_channels = 2\n", "line 1: [a] needs secret or secret_file"),
            ("[a]\nhost = h\nsecret = hunter2\nsecret_file = /x\nmax_channels = 2\n", "both secret and secret_file"),
            ("[a]\nhost = h\nsecret = hunter2\nmax_channels = 0\n", "line 4: max_channels must be"),
            ("[a]\nhost = h\nsecret = hunter2\nmax_channels = 2\nprefixes = 44\n", "line 5: prefix '44' is not"),
            ("[a]\nhost = h\nsecret = hunter2\nmax_channels = 2\ncolour = red\n", "line 5: unknown key colour"),
            ("host = h\n", "line 1: host before the first [node] section"),
            ("[a]\nhost = h\nsecret = hunter2\nmax_channels = 2\n[a]\n", "line 5: node a twice"),
            ("[a b]\n", "line 1: a node name is"),
            // A node's name goes into a receive journal's file name (`<node>@<id>.json`).
            ("[../x]\n", "line 1: a node name is"),
            ("[a@b]\n", "line 1: a node name is"),
            ("# nothing\n", "no [node] section"),
            (
                "[a]\nhost = h\nsecret_file = /missing\nmax_channels = 2\n",
                "line 3: secret_file /missing cannot be read"
            ),
            ("[a]\nhost = h\nsecret = hunter2\nmax_channels = 2\ncps = -1\n", "line 5: cps must be"),
            (
                "[a]\nhost = h\nsecret = hunter2\nmax_channels = 2\nreceiving_dir = spool/rx\n",
                "line 5: receiving_dir must be an absolute path"
            ),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try AsteriskNodesFile.parse(text, readSecretFile: noFiles)) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains(expected), "\(message) lacks '\(expected)'")
                XCTAssertTrue(message.hasPrefix("FAXDROP_ASTERISK_NODES: "), message)
                XCTAssertFalse(message.contains("hunter2"), "a secret in an error: \(message)")
            }
        }
    }

    func testTheConfigurationReadsTheFileAndKeepsSecretsOutOfItsDescription() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nodes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let secretPath = folder.appendingPathComponent("b.secret").path
        try "secret-b\n".write(toFile: secretPath, atomically: true, encoding: .utf8)
        let nodesPath = folder.appendingPathComponent("nodes").path
        try
            "[a]\nhost = 127.0.0.1\nsecret = secret-a\nmax_channels = 4\n[b]\nhost = 127.0.0.2\nsecret_file = \(secretPath)\nmax_channels = 8\nprefixes = +44\n"
            .write(toFile: nodesPath, atomically: true, encoding: .utf8)
        let configuration = try Configuration(
            environment: ["FAXDROP_ASTERISK_NODES": nodesPath, "FAXDROP_NODE_GRACE": "30"], file: nil)
        XCTAssertEqual(configuration.asteriskNodes.map(\.name), ["a", "b"])
        XCTAssertEqual(configuration.asteriskNodes.map(\.secret.value), ["secret-a", "secret-b"])
        XCTAssertEqual(configuration.nodeGrace, .seconds(30))
        let described = "\(configuration)"
        XCTAssertFalse(described.contains("secret-a") || described.contains("secret-b"), described)

        // Without the variable: no nodes, the single ASTERISK_AMI_* node.
        XCTAssertEqual(try Configuration(environment: [:], file: nil).asteriskNodes, [])
    }
}
