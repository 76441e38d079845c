import FaxDropCore

/// How long a fax may take on the line, from the size of its pages, at the slowest rate a
/// fax call commonly falls back to. Generous on purpose: the deadline only exists to
/// catch calls that hang, and must never cut a slow but healthy transmission (a dense
/// dithered page took 180 s over T.38 on a real Asterisk; a text page 20-30 s).
public struct TransmissionBudget: Sendable, Equatable {
    /// Line rate: 2400 bit/s, V.27ter's fallback, is 300 bytes a second.
    public var bytesPerSecond: Double = 300
    /// The line carries T.4 1-D/2-D (no ECM, no T.6), larger than the file's G4 coding.
    public var lineExpansion: Double = 2
    /// Phase B/D for each page: training, TCF, post-page message and confirmation.
    public var perPage: Duration = .seconds(20)
    /// Once per call: answer, CNG and the T.38 switch (up to 15.5 s), phase A and E.
    public var perCall: Duration = .seconds(60)
    /// Assumed encoded size of a page whose size is unknown (a dense page).
    public var unknownPageBytes = 100_000

    public init() {}

    /// Time from answer to the end of the fax.
    public func transmission(pages: Int, pageBytes: [Int]) -> Duration {
        let sizes = pageBytes.isEmpty ? Array(repeating: unknownPageBytes, count: max(pages, 1)) : pageBytes
        let seconds = Double(sizes.reduce(0, +)) * lineExpansion / bytesPerSecond
        return .milliseconds(Int64(seconds * 1000)) + perPage * max(sizes.count, pages, 1) + perCall
    }

    /// The whole attempt: ringing up to the dial timeout, then the transmission.
    public func deadline(for call: CallRequest, dialTimeout: Duration) -> Duration {
        dialTimeout + transmission(pages: call.pages, pageBytes: call.pageBytes)
    }
}

extension Duration {
    /// Whole milliseconds (AMI's `Timeout:` unit), rounded down.
    public var milliseconds: Int64 {
        let c = components
        return c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000
    }
}
