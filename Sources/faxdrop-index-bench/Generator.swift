import FaxDropCore
import FaxDropSystem
import Foundation

/// Writes `count` realistic sidecars (with a small kept document beside each) into
/// `done/` (85 %) and `failed/` (15 %): 2,000 numbers, scanner and office file names,
/// a year of queue times, one to three attempts, the common failure codes.
struct Generator {
    let root: String
    let count: Int

    static let names = [
        "Scan_%05d.pdf", "Referral - %d.pdf", "Invoice-%d.PDF", "lab results %d.tiff", "Rx_refill_%d.pdf",
        "Prior authorization %d.docx.pdf", "court filing %d.pdf", "IMG_%04d.jpg", "Fax cover %d.txt",
        "Statement %d.pdf",
    ]
    static let failures: [(ErrorCode, String)] = [
        (.busy, "the line was busy"), (.noAnswer, "no answer"), (.congestion, "the network was congested"),
        (.unsupportedFormat, "not a PDF, TIFF, PNG, JPEG or text file"), (.invalidDestination, "not an E.164 number"),
    ]

    func run() throws -> (sent: Int, failed: Int) {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for folder in ["/done", "/failed", "/active", "/outgoing", "/tmp"] { try Syscall.mkdirIfNeeded(root + folder) }
        var random = SystemRandomNumberGenerator()
        let encoder = JSONEncoder.faxdrop()
        let now = Date()
        var sent = 0
        var failed = 0
        for n in 0..<count {
            let queued = now.addingTimeInterval(-Double.random(in: 0..<(365 * 86_400), using: &random))
            let id = JobID(
                milliseconds: UInt64(queued.timeIntervalSince1970 * 1000),
                random: (hi: UInt16.random(in: 0...UInt16.max, using: &random), lo: UInt64(n)))
            let number = "+1555\(String(format: "%07d", 1_000_000 + Int.random(in: 0..<2000, using: &random) * 137))"
            let name = String(format: Self.names[n % Self.names.count], n)
            let fails = Int.random(in: 0..<100, using: &random) < 15
            let failure = fails ? Self.failures[Int.random(in: 0..<Self.failures.count, using: &random)] : nil
            let attempts = fails ? Int.random(in: 1...3, using: &random) : 1
            let pages = Int.random(in: 1...12, using: &random)
            let started = queued.addingTimeInterval(8)
            let records = (1...attempts).map { i in
                AttemptRecord(
                    number: i, startedAt: started.addingTimeInterval(Double(i - 1) * 180),
                    endedAt: started.addingTimeInterval(Double(i - 1) * 180 + 40),
                    outcome: i == attempts && !fails ? "sent" : (failure?.0.rawValue ?? "busy"),
                    pagesSent: fails ? 0 : pages)
            }
            var sidecar = Sidecar(
                jobID: id, status: fails ? .failed : .sent, destination: number,
                document: Sidecar.Document(
                    originalName: name, storedAs: id.value + ".pdf", bytes: Int64(20_000 + pages * 31_000),
                    sha256: String(repeating: "5e", count: 32), format: .pdf),
                pages: Sidecar.Pages(total: pages, sent: fails ? 0 : pages),
                fax: Sidecar.Fax(
                    resolution: .fine, paper: .letter, header: "Front office", localStationID: "+15550001000"),
                attempts: records, error: failure.map { Sidecar.Failure(FaxError($0.0, $0.1)) }, queuedAt: queued,
                completedAt: started.addingTimeInterval(Double(attempts) * 180),
                gateway: Sidecar.Gateway(host: "bench", version: "0.1.0"))
            sidecar.recipient = Sidecar.Recipient(number: number, name: n % 3 == 0 ? "Smith Pharmacy" : nil)
            let folder = root + (fails ? "/failed/" : "/done/")
            try encoder.encode(sidecar).write(to: URL(fileURLWithPath: folder + id.value + ".json"))
            try Data("%PDF-1.4 placeholder kept document\n".utf8).write(
                to: URL(fileURLWithPath: folder + id.value + ".pdf"))
            if fails { failed += 1 } else { sent += 1 }
        }
        return (sent, failed)
    }
}
