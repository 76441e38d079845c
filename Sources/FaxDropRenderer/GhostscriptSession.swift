import CGhostscript
import FaxDropCore

/// A rendered page as Ghostscript's display device hands it over: 8-bit gray, 0 black,
/// 255 white. The memory belongs to Ghostscript and is valid only during the callback.
struct GrayPageView {
    var pixels: UnsafePointer<UInt8>
    var width: Int
    var height: Int
    var stride: Int
}

/// One Ghostscript interpreter, created once and kept across jobs (a new `gs` process
/// costs ~105 ms per job, a kept instance 12-18 ms). It renders on the `display` device
/// straight into memory at the fax geometry, so Ghostscript writes no files at all and its
/// page counter never matters. It always runs with `-dSAFER`; each job's input is allowed
/// for reading (`gsapi_add_control_path`) only while that job runs.
///
/// Not thread-safe: the worker uses it from one thread.
final class GhostscriptSession {
    struct RunResult {
        /// `gsapi_run_string`'s return code (0, or a negative Ghostscript error).
        var code: Int32
        /// What Ghostscript printed on stdout and stderr during the run.
        var output: String
        /// Whether the interpreter can take another job (no fatal error, no `quit`).
        var reusable: Bool
    }

    let resolution: Resolution
    let paper: Paper
    private var instance: UnsafeMutableRawPointer?
    private let display: UnsafeMutablePointer<faxdrop_gs_display>
    /// Receives each rendered page; returns false to stop the job.
    var onPage: ((GrayPageView) -> Bool)?
    /// Jobs run since creation.
    private(set) var jobs = 0

    init(resolution: Resolution, paper: Paper) throws(FaxError) {
        self.resolution = resolution
        self.paper = paper
        guard
            let display = faxdrop_gs_display_new(
                nil,
                { context, pixels, width, height, stride in
                    guard let context, let pixels else { return 0 }
                    let session = Unmanaged<GhostscriptSession>.fromOpaque(context).takeUnretainedValue()
                    let page = GrayPageView(pixels: pixels, width: Int(width), height: Int(height), stride: Int(stride))
                    return session.onPage?(page) ?? true ? 0 : -1
                })
        else { throw FaxError(.conversionFailed, "out of memory") }
        self.display = display
        var instance: UnsafeMutableRawPointer?
        guard gsapi_new_instance(&instance, nil) >= 0, let instance else {
            free(display)
            throw FaxError(.conversionFailed, "cannot create a Ghostscript instance")
        }
        self.instance = instance
        display.pointee.context = Unmanaged.passUnretained(self).toOpaque()
        _ = gsapi_set_arg_encoding(instance, Int32(GS_ARG_ENCODING_UTF8))
        guard faxdrop_gs_attach(instance, display) >= 0 else {
            throw FaxError(.conversionFailed, "cannot attach to Ghostscript's display device")
        }
        let height = paper.heightPixels(resolution)
        let args = [
            "faxdrop-render", "-dSAFER", "-dNOPAUSE", "-dNOPROMPT", "-q",
            "-sDEVICE=display", "-dDisplayFormat=\(faxdrop_gs_display_format())",
            "-r\(resolution.horizontalDPI)x\(resolution.verticalDPI)", "-g\(faxPageWidthPixels)x\(height)",
            "-dFIXEDMEDIA", "-dPDFFitPage", "-dPSFitPage", "-dPDFSTOPONERROR",
            // A fax is a printout: annotations and form fields show as printed (their Print
            // flag), not as on screen, which a device without an output file would pick.
            // Form fields are drawn (ShowAcroForm, the default, kept explicit), from their
            // appearance streams or, for `/NeedAppearances` forms, from their values.
            "-dPrinted", "-dShowAnnots", "-dShowAcroForm",
        ]
        let code = withCStrings(args) { argv in gsapi_init_with_args(instance, Int32(argv.count), argv.baseAddress) }
        guard code >= 0 else {
            throw FaxError(.conversionFailed, "Ghostscript did not start (\(code)): \(takeOutput())")
        }
    }

    deinit {
        if let instance {
            _ = gsapi_exit(instance)
            gsapi_delete_instance(instance)
        }
        free(display)
    }

    /// Runs PostScript in the interpreter. The corresponding C function is `gsapi_run_string`.
    func run(_ program: String) -> RunResult {
        guard let instance else { return RunResult(code: -100, output: "interpreter is gone", reusable: false) }
        faxdrop_gs_reset_output(display)
        var exitCode: Int32 = 0
        let code = gsapi_run_string(instance, program, 0, &exitCode)
        let output = takeOutput()
        return RunResult(code: code, output: output, reusable: code > -100)
    }

    /// Allows the interpreter to read one file until `forbidReading` (SAFER blocks the rest).
    func permitReading(_ path: String) {
        guard let instance else { return }
        _ = gsapi_add_control_path(instance, Int32(GS_PERMIT_FILE_READING), path)
    }

    func forbidReading(_ path: String) {
        guard let instance else { return }
        _ = gsapi_remove_control_path(instance, Int32(GS_PERMIT_FILE_READING), path)
    }

    func countJob() { jobs += 1 }

    private func takeOutput() -> String {
        let length = Int(faxdrop_gs_output_length(display))
        let text = faxdrop_gs_output(display).withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
        faxdrop_gs_reset_output(display)
        return text
    }
}

/// Calls `body` with a C `argv` built from `strings` (valid only during the call).
private func withCStrings<R>(
    _ strings: [String], _ body: (UnsafeMutableBufferPointer<UnsafeMutablePointer<CChar>?>) -> R
) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { for p in pointers { free(p) } }
    return pointers.withUnsafeMutableBufferPointer { body($0) }
}
