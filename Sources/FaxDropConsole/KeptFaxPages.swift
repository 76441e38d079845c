import FaxDropCore
import FaxDropDaemon
import FaxDropFaxImage

/// The pages of a job's fax as it was sent: PNGs drawn from the kept fax TIFF
/// (`spool/images/<job-id>.tif`), never a second render.
public struct KeptFaxPages: FaxPageImages {
    public let spool: Spool
    /// Thumbnails are this wide (px); full size is the fax's own 1728.
    public static let thumbnailWidth = 216

    public init(spool: Spool) { self.spool = spool }

    public func pageCount(job: JobID) throws -> Int? {
        guard let path = spool.sentImage(for: job) else { return nil }
        return try FaxPagePNG.pageCount(tiff: path)
    }

    public func png(job: JobID, page: Int, thumbnail: Bool) throws -> [UInt8] {
        guard let path = spool.sentImage(for: job) else { throw FaxError(.unreadableFile, "no kept image for \(job)") }
        return try FaxPagePNG.render(tiff: path, page: page, maxWidth: thumbnail ? Self.thumbnailWidth : nil)
    }
}

/// The daemon's `PreviewService` as the console's previewer.
public struct PreviewServiceAdapter: ConsolePreviewing {
    public let service: PreviewService

    public init(_ service: PreviewService) { self.service = service }

    public func create(documents: [(name: String, path: String)], options: JobOptions) async throws -> ConsolePreview {
        let preview = try await service.create(documents: documents, options: options)
        return ConsolePreview(token: preview.token, pageCount: preview.pageCount, documentNames: preview.documentNames)
    }

    public func page(token: String, page: Int, thumbnail: Bool) async throws -> [UInt8] {
        try await service.page(token: token, page: page, thumbnail: thumbnail)
    }

    public func submit(token: String, destination: E164Number, options: JobOptions) async throws -> JobID {
        try await service.submit(token: token, destination: destination, options: options)
    }

    public func discard(token: String) async { await service.discard(token: token) }
}
