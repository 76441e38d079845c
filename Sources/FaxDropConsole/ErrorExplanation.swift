import FaxDropCore

/// Every error code in words for the office, and what to do about it. The switch has no
/// `default`, so a new `ErrorCode` does not build until it is explained here.
public struct ErrorExplanation: Sendable, Equatable {
    public var code: ErrorCode
    public var words: String
    public var whatToDo: String

    public init(_ code: ErrorCode) {
        self.code = code
        (words, whatToDo) = Self.text(code)
    }

    public static var all: [ErrorExplanation] { ErrorCode.allCases.map(ErrorExplanation.init) }

    static func text(_ code: ErrorCode) -> (String, String) {
        switch code {
        case .invalidDestination:
            return ("The fax number is not a valid number.", "Check the number (with its country code) and send again.")
        case .invalidOptions:
            return (
                "The folder's settings file (.faxdrop) has a mistake.",
                "Ask whoever set up the folder to fix its .faxdrop file, then retry."
            )
        case .destinationBlocked:
            return (
                "This number may not be dialled from here (blocked prefix or hourly limit).",
                "Check the number; ask the administrator if it should be allowed."
            )
        case .emptyFile:
            return ("The document was empty.", "Save the document again and send the full file.")
        case .fileTooLarge:
            return (
                "The document is larger than the gateway accepts.",
                "Send a smaller file, or split it into several faxes."
            )
        case .tooManyPages:
            return ("The document has more pages than one fax may have.", "Split it into several faxes.")
        case .unsupportedFormat:
            return ("The file is not a format that can be faxed.", "Send a PDF, TIFF, PNG, JPEG or plain-text file.")
        case .encryptedDocument:
            return ("The PDF is password-protected.", "Save a copy without a password and send that.")
        case .corruptDocument:
            return (
                "The document is damaged and cannot be read.",
                "Open it on your computer, save or print it to PDF again, and send that."
            )
        case .conversionTimeout:
            return (
                "Preparing the document took too long.",
                "Simplify it (fewer or smaller images) or print it to PDF, then send again."
            )
        case .conversionFailed:
            return (
                "The document could not be turned into fax pages.",
                "Print it to PDF and send that; if it keeps failing, tell the administrator."
            )
        case .notARegularFile:
            return (
                "What was dropped was not an ordinary file (a link or a device).",
                "Copy the real document into the folder."
            )
        case .unreadableFile:
            return ("The gateway could not read the file.", "Check the file's permissions and send it again.")
        case .documentChanged:
            return (
                "The document was changed while it was being sent.",
                "Wait until the file is saved completely, then send again."
            )
        case .busy:
            return (
                "The line was busy on every attempt.", "Retry later, or call the recipient to check their fax line."
            )
        case .noAnswer:
            return (
                "Nobody answered.", "Check that the number is a fax machine and that it is switched on, then retry."
            )
        case .congestion:
            return ("The phone network was congested.", "Retry later.")
        case .channelUnavailable:
            return ("No phone line was free.", "Retry later; if it persists, tell the administrator.")
        case .rejected:
            return (
                "The call was refused by the network or the recipient.",
                "Check the number; call the recipient to ask whether they accept faxes."
            )
        case .unallocatedNumber:
            return ("The number does not exist.", "Check the number and send again.")
        case .faxNegotiationFailed:
            return (
                "The machines could not agree how to exchange the fax (perhaps a voice line).",
                "Check it is a fax number, then retry."
            )
        case .faxTransferFailed:
            return (
                "The call broke off while pages were being sent.",
                "Retry; pages already confirmed are not sent twice when resuming is on."
            )
        case .timeout:
            return ("The call took too long and was ended.", "Retry; if it keeps happening, tell the administrator.")
        case .interrupted:
            return ("The gateway restarted during the call.", "Retry.")
        case .expired:
            return (
                "The fax could not be sent within the time allowed.",
                "Retry, or check the number and the recipient's line first."
            )
        case .cancelled:
            return ("Someone cancelled this fax.", "Send it again if it is still needed.")
        case .internalError:
            return (
                "The gateway had an internal problem.",
                "Retry; if it happens again, tell the administrator (the job id helps)."
            )
        case .channelDriverMissing:
            return (
                "The phone system is not set up for this kind of line.",
                "Tell the administrator: Asterisk's channel driver is not loaded."
            )
        }
    }
}
