import FaxDropCore
import Foundation

/// The rules the scheduler applies (SPEC §2); every number is configurable.
public struct SchedulerPolicy: Sendable, Equatable {
    public var maxCalls: Int
    public var maxCallsPerDestination: Int
    public var maxAttempts: Int
    /// A job is never dialled later than this after it was queued.
    public var killAfter: TimeInterval
    public var retryBusy: TimeInterval
    public var retryNoAnswer: TimeInterval
    public var retryCongestion: TimeInterval
    public var retryFax: TimeInterval
    /// How long to wait before asking a backend that was unavailable again.
    public var retryUnavailable: TimeInterval
    /// Send only the unsent pages on a retry after a partial send.
    public var resumePartial: Bool
    /// Calls per destination per rolling hour; 0 means no limit.
    public var maxPerDestinationHour: Int
    public var allowPrefixes: [String]
    public var denyPrefixes: [String]
    /// The Asterisk nodes calls are spread over (issue 14); empty means one node with no
    /// limit of its own (the single-node configuration).
    public var nodes: [NodePolicy] = []

    public init(
        maxCalls: Int = 2, maxCallsPerDestination: Int = 1, maxAttempts: Int = 5, killAfter: TimeInterval = 3 * 3600,
        retryBusy: TimeInterval = 180, retryNoAnswer: TimeInterval = 300, retryCongestion: TimeInterval = 120,
        retryFax: TimeInterval = 60, retryUnavailable: TimeInterval = 5, resumePartial: Bool = true,
        maxPerDestinationHour: Int = 0, allowPrefixes: [String] = [], denyPrefixes: [String] = []
    ) {
        self.maxCalls = maxCalls
        self.maxCallsPerDestination = maxCallsPerDestination
        self.maxAttempts = maxAttempts
        self.killAfter = killAfter
        self.retryBusy = retryBusy
        self.retryNoAnswer = retryNoAnswer
        self.retryCongestion = retryCongestion
        self.retryFax = retryFax
        self.retryUnavailable = retryUnavailable
        self.resumePartial = resumePartial
        self.maxPerDestinationHour = maxPerDestinationHour
        self.allowPrefixes = allowPrefixes
        self.denyPrefixes = denyPrefixes
    }

    public init(_ c: Configuration) {
        self.init(
            maxCalls: c.maxCalls, maxCallsPerDestination: c.maxCallsPerDestination, maxAttempts: c.maxAttempts,
            killAfter: c.killAfter.timeInterval, retryBusy: c.retryBusy.timeInterval,
            retryNoAnswer: c.retryNoAnswer.timeInterval,
            retryCongestion: c.retryCongestion.timeInterval, retryFax: c.retryFax.timeInterval,
            resumePartial: c.resumePartial, maxPerDestinationHour: c.maxPerDestinationHour,
            allowPrefixes: c.allowPrefixes, denyPrefixes: c.denyPrefixes)
        nodes = c.asteriskNodes.map {
            NodePolicy(
                name: $0.name, maxChannels: $0.maxChannels, prefixes: $0.prefixes, weight: $0.weight,
                callsPerSecond: $0.callsPerSecond)
        }
    }

    /// The attempts a job may make: its own `max_attempts` (a folder's `.faxdrop` file or
    /// its submission), else the gateway's.
    public func maxAttempts(for record: JobRecord) -> Int {
        record.options?.maxAttempts ?? maxAttempts
    }

    /// The delay before the next attempt after a retryable failure with `code`.
    public func retryDelay(after code: ErrorCode) -> TimeInterval {
        switch code {
        case .busy: return retryBusy
        case .noAnswer: return retryNoAnswer
        case .congestion, .channelUnavailable: return retryCongestion
        default: return retryFax
        }
    }

    /// `nil` when `number` may be dialled; otherwise why not. An allow list, when set, is
    /// the only way in; the deny list always applies (the longest matching prefix wins).
    public func blockReason(for number: E164Number) -> String? {
        let allowMatch = allowPrefixes.filter { number.value.hasPrefix($0) }.map(\.count).max()
        let denyMatch = denyPrefixes.filter { number.value.hasPrefix($0) }.map(\.count).max()
        if !allowPrefixes.isEmpty && allowMatch == nil {
            return "\(number) is not in FAXDROP_ALLOW_PREFIXES"
        }
        if let deny = denyMatch, deny >= (allowMatch ?? 0) {
            return "\(number) matches FAXDROP_DENY_PREFIXES"
        }
        return nil
    }
}
