import FaxDropCore
import FaxDropFaxImage
import Foundation
import Logging

/// The embedded default backend (SPEC §6): the "call" happens inside the process, through
/// the same scheduler and result path as a SIP call. Pages are counted from the rendered
/// image, which is checked the way a fax stack checks it, and transmission is paced per page.
///
/// Test numbers, by the last four digits of the destination:
/// `0486` busy, `0480` no answer (after 2 s), `0503` congestion, `0488` the far end hangs up
/// after the first page of a call that has more (so a resumed send progresses a page per
/// attempt). Every other number succeeds.
public struct LoopbackBackend: FaxBackend {
    public let name = "loopback"
    public let pageSeconds: Double
    public let noAnswerSeconds: Double
    private let logger: Logger

    public init(pageSeconds: Double, noAnswerSeconds: Double = 2, logger: Logger) {
        self.pageSeconds = pageSeconds
        self.noAnswerSeconds = noAnswerSeconds
        self.logger = logger
    }

    public enum TestNumber: String, CaseIterable, Sendable {
        case busy = "0486"
        case noAnswer = "0480"
        case congestion = "0503"
        case dropAfterFirstPage = "0488"
    }

    public func send(_ call: CallRequest) async -> CallResult {
        var logger = logger
        logger[metadataKey: "job"] = "\(call.jobID)"
        let started = ContinuousClock.now
        let behaviour = TestNumber(rawValue: String(call.destination.value.suffix(4)))
        switch behaviour {
        case .busy:
            return CallResult(
                status: .failed(.busy), pagesSent: 0, message: "the line was busy (loopback test number)",
                details: CallDetails(hangupCause: 17, dialStatus: "BUSY", endedIn: "dial"))
        case .congestion:
            return CallResult(
                status: .failed(.congestion), pagesSent: 0, message: "the network was congested (loopback test number)",
                details: CallDetails(hangupCause: 34, dialStatus: "CONGESTION", endedIn: "dial"))
        case .noAnswer:
            if await pause(noAnswerSeconds) { return cancelled(0) }
            return CallResult(
                status: .failed(.noAnswer), pagesSent: 0, message: "no answer (loopback test number)",
                details: CallDetails(hangupCause: 19, dialStatus: "NOANSWER", endedIn: "dial"))
        case .dropAfterFirstPage, nil:
            break
        }
        let pages: [FaxPageInfo]
        do {
            pages = try FaxImage.inspect(call.tiffPath)
        } catch {
            // FaxDrop wrote this file: a fault of ours, which another attempt would repeat.
            return CallResult(
                status: .failed(.internalError), pagesSent: 0, message: "TIFF/F file cannot be opened",
                details: CallDetails(faxStatus: "FAILED", faxError: "FILE_ERROR", endedIn: "fax"))
        }
        if let problem = pages.lazy.flatMap(FaxImage.classFProblems).first {
            return CallResult(
                status: .failed(.internalError), pagesSent: 0, message: "the fax image cannot be sent: \(problem)",
                details: CallDetails(faxStatus: "FAILED", faxError: "FILE_ERROR", endedIn: "fax"))
        }
        var sent = 0
        for _ in pages {
            if await pause(pageSeconds) { return cancelled(sent) }
            sent += 1
            if behaviour == .dropAfterFirstPage && sent == 1 && pages.count > 1 {
                return CallResult(
                    status: .failed(.faxTransferFailed), pagesSent: sent, message: "The call dropped prematurely",
                    details: details(
                        faxStatus: "FAILED", error: "HANGUP", statusString: "The call dropped prematurely", cause: 16))
            }
        }
        logger.debug("loopback call done", metadata: ["pages": "\(sent)", "seconds": "\(started.duration(to: .now))"])
        return CallResult(
            status: .sent, pagesSent: sent, message: "",
            details: details(faxStatus: "SUCCESS", error: "HANGUP", statusString: "OK", cause: 16))
    }

    public func reconcile(_ call: CallRequest, startedAt: Date) async -> CallResult? {
        // The loopback line lives in the process: a call from before a restart left no trace.
        nil
    }

    private func details(faxStatus: String, error: String, statusString: String, cause: Int) -> CallDetails {
        CallDetails(
            faxStatus: faxStatus, faxError: error, statusString: statusString, hangupCause: cause,
            dialStatus: "ANSWER", mode: "T38", bitRate: 14400, remoteStationID: "LOOPBACK", endedIn: "fax")
    }

    private func cancelled(_ pages: Int) -> CallResult {
        CallResult(
            status: .failed(.cancelled), pagesSent: pages, message: "hung up: the job was cancelled",
            details: CallDetails(hangupCause: 16, endedIn: pages > 0 ? "fax" : "dial"))
    }

    /// Sleeps; `true` when the task was cancelled.
    private func pause(_ seconds: Double) async -> Bool {
        do {
            try await Task.sleep(for: .seconds(seconds))
            return false
        } catch {
            return true
        }
    }
}
