import Foundation

/// One call attempt the scheduler asks a backend to make.
@PublicInit
public struct CallRequest: Sendable, Equatable {
    public var jobID: JobID
    /// 1-based attempt number.
    public var attempt: Int
    public var destination: E164Number
    /// The TIFF Class F file to send, as the daemon sees it.
    public var tiffPath: String
    /// Pages in `tiffPath`.
    public var pages: Int
    /// Encoded bytes of each page in `tiffPath`, to budget the transmission time.
    public var pageBytes: [Int]
    public var header: String
    public var localStationID: String
    /// The Asterisk node the scheduler placed the call on; `nil` with a single node.
    public var node: String?

    /// `<job-id>-<attempt>`: the AMI ActionID and the name the far side echoes back.
    public var callID: String { "\(jobID.value)-\(attempt)" }
}

/// What a backend learnt about one call. Raw values are kept as the telephony side gave them.
@PublicInit
public struct CallResult: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        /// Every page was confirmed by the far end.
        case sent
        /// The attempt failed with a stable code.
        case failed(ErrorCode)
        /// The backend could not place the call at all (Asterisk unreachable): no attempt
        /// is consumed, the job waits.
        case unavailable
    }

    public var status: Status
    /// Pages the far end confirmed in this attempt.
    public var pagesSent: Int
    /// For people: why it ended.
    public var message: String = ""
    public var details: CallDetails = CallDetails()
}

/// What Asterisk (or the loopback line) reported about a call, verbatim.
@PublicInit
public struct CallDetails: Codable, Sendable, Equatable {
    public var faxStatus: String?
    public var faxError: String?
    public var statusString: String?
    public var hangupCause: Int?
    public var dialStatus: String?
    /// `T38` or `audio`.
    public var mode: String?
    public var bitRate: Int?
    public var remoteStationID: String?
    public var channelUniqueID: String?
    /// `dial` or `fax`: which stage ended the call.
    public var endedIn: String?

    enum CodingKeys: String, CodingKey {
        case faxStatus = "fax_status"
        case faxError = "fax_error"
        case statusString = "status_string"
        case hangupCause = "hangup_cause"
        case dialStatus = "dial_status"
        case mode
        case bitRate = "bit_rate"
        case remoteStationID = "remote_station_id"
        case channelUniqueID = "channel_unique_id"
        case endedIn = "ended_in"
    }
}

/// A way of sending faxes: the in-process loopback line or Asterisk over AMI.
public protocol FaxBackend: Sendable {
    /// `loopback` or `sip`.
    var name: String { get }

    /// Places one call and returns when it has ended. It never throws: every end is a
    /// `CallResult`. When the calling task is cancelled the backend hangs the call up and
    /// returns `.failed(.cancelled)`.
    func send(_ call: CallRequest) async -> CallResult

    /// After a restart: what became of a call that was journaled as in flight. `nil` when
    /// nothing can be learnt (the caller records the attempt as `interrupted`).
    func reconcile(_ call: CallRequest, startedAt: Date) async -> CallResult?

    /// The journal now holds the result of this attempt: whatever copy the backend kept so
    /// as not to lose it (Asterisk's AstDB entry) can go.
    func resultJournaled(jobID: JobID, attempt: Int) async
}

extension FaxBackend {
    /// Nothing kept outside the journal by default.
    public func resultJournaled(jobID: JobID, attempt: Int) async {}
}
