import AsteriskSimulator
import FaxDropCore
import FaxDropFaxImage
import Foundation

/// Writes a received-looking fax to `path`, as spandsp writes one (G3 2-D, FillOrder 2):
/// `pages` fine pages with a sparse pattern that differs per page.
func writeReceivedFax(at path: String, pages: Int) throws -> String {
    let writer = try FaxImageWriter(path: path, coding: .g3TwoDimensional)
    for page in 0..<pages {
        var rows = [UInt8](repeating: 0, count: 216 * 300)
        for i in stride(from: page * 7, to: rows.count, by: 97) { rows[i] = 0xF0 }
        try rows.withUnsafeBytes {
            try writer.appendPage(
                rows: $0, bytesPerRow: 216, width: 1728, height: 300, resolution: .fine, pageNumber: page,
                pageCount: pages)
        }
    }
    writer.close()
    return path
}

/// The received sidecars under the spool's `incoming/`, with their paths.
func receivedSidecarFiles(_ spool: TestSpool) -> [(path: String, sidecar: ReceivedSidecar)] {
    let incoming = spool.spool.incoming
    var out: [(String, ReceivedSidecar)] = []
    for folder in (try? FileManager.default.contentsOfDirectory(atPath: incoming)) ?? [] {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: incoming + "/" + folder)) ?? []
        where name.hasSuffix(".json") {
            let path = incoming + "/" + folder + "/" + name
            if let data = FileManager.default.contents(atPath: path),
                let sidecar = try? JSONDecoder.faxdrop().decode(ReceivedSidecar.self, from: data)
            {
                out.append((path, sidecar))
            }
        }
    }
    return out
}

/// Starts `simulator` on a port below Linux's ephemeral range (32768 up): while a node is
/// down FaxDrop keeps reconnecting to it, and a connect to a free ephemeral port can bind
/// that very port as its own (TCP self-connect), which would keep the node from listening
/// there again.
func startBelowEphemeralPorts(_ simulator: AsteriskSimulator) async throws -> Int {
    var lastError: (any Error)?
    for _ in 0..<50 {
        do {
            return try await simulator.start(port: Int.random(in: 20_000..<30_000))
        } catch {
            lastError = error
        }
    }
    throw lastError!
}
