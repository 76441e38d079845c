import Foundation
import XCTest

/// A throwaway certificate authority made with the `openssl` command line (Debian package
/// openssl), and a server certificate it signed for `localhost` and 127.0.0.1.
struct TestCA {
    let caCertificate: String
    let serverCertificate: String
    let serverKey: String

    init(folder: String) throws {
        let openssl = "/usr/bin/openssl"
        guard FileManager.default.isExecutableFile(atPath: openssl) else {
            throw XCTSkip("openssl is missing (Debian package openssl)")
        }
        caCertificate = folder + "/ca.pem"
        serverCertificate = folder + "/server.pem"
        serverKey = folder + "/server.key"
        let caKey = folder + "/ca.key"
        let request = folder + "/server.csr"
        let extensions = folder + "/server.ext"
        try Data(
            """
            basicConstraints = CA:FALSE
            keyUsage = digitalSignature
            extendedKeyUsage = serverAuth
            subjectAltName = DNS:localhost, IP:127.0.0.1

            """.utf8
        ).write(to: URL(fileURLWithPath: extensions))
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for arguments in [
            ["req", "-x509"] + curve + [
                "-keyout", caKey, "-out", caCertificate, "-days", "2", "-subj", "/CN=FaxDrop Test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ],
            ["req"] + curve + ["-keyout", serverKey, "-out", request, "-subj", "/CN=localhost"],
            [
                "x509", "-req", "-in", request, "-CA", caCertificate, "-CAkey", caKey, "-CAcreateserial",
                "-out", serverCertificate, "-days", "2", "-extfile", extensions,
            ],
        ] {
            let result = try runProgram(openssl, arguments)
            guard result.status == 0 else {
                XCTFail("openssl \(arguments.first ?? ""): \(result.error)")
                throw CancellationError()
            }
        }
    }
}
