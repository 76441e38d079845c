import FaxDropCore
import FaxDropSystem
import Foundation
import GRDB
import Synchronization

/// Bringing the index in step with the files: sidecars in `done/` and `failed/`, journals in
/// `active/`. The stored high-water mark is the modification times of `done/` and `failed/`
/// taken before they were last listed; any sidecar added or removed since changes them.
extension JobIndex {
    /// What a rebuild or catch-up did.
    public struct SyncReport: Sendable, Equatable {
        public var sent = 0
        public var failed = 0
        public var live = 0
        /// Sidecars or journals that could not be read (left out; the files are untouched).
        public var unreadable = 0
        /// Ended rows added or replaced (a catch-up) or written (a rebuild).
        public var loaded = 0
        /// Ended rows removed because their sidecar is gone.
        public var removed = 0
        /// Sidecar names compared with the index (0 when the folders had not changed).
        public var compared = 0
        public var seconds = 0.0
        public init() {}
    }

    var doneFolder: String { spoolRoot + "/done" }
    var failedFolder: String { spoolRoot + "/failed" }
    var activeFolder: String { spoolRoot + "/active" }

    /// `done/` and `failed/`'s modification times in nanoseconds, as text.
    func currentMark() -> String {
        let times = [doneFolder, failedFolder].map { folder in
            ((try? Syscall.lstatIfExists(folder)) ?? nil)?.modifiedNanoseconds ?? 0
        }
        return times.map(String.init).joined(separator: ":")
    }

    /// The mark to store after listing: one that matches no later reading when a folder
    /// changed within the last 2 s, since a sidecar written in the same clock tick as the
    /// listing may leave the folder's time unchanged (the next open compares again).
    static func settled(_ mark: String) -> String {
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        let recent = mark.split(separator: ":").contains { (Int64($0) ?? 0) > now - 2_000_000_000 }
        return recent ? mark + unsettledSuffix : mark
    }

    static let unsettledSuffix = ":unsettled"

    func storedMark() throws -> String? {
        try pool.read { db in try Self.storedMark(db) }
    }

    static func storedMark(_ db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'ended_mark'")
    }

    /// Whether a sidecar was added or removed since the index last compared itself with them.
    public func isBehind() throws -> Bool { try storedMark() != currentMark() }

    /// Adds the sidecars the index lacks and drops rows whose sidecar is gone (only when
    /// `done/` or `failed/` changed since the last comparison), then mirrors the journals.
    @discardableResult
    public func catchUp() throws -> SyncReport {
        let started = Date()
        var report = SyncReport()
        let mark = currentMark()
        if try storedMark() != mark {
            let listed = listSidecars()
            report.compared = listed.count
            let indexed = try pool.read { db in
                var found: [String: String] = [:]
                let cursor = try Row.fetchCursor(db, sql: "SELECT id, state FROM job WHERE ended = 1")
                while let row = try cursor.next() { found[row["id"] as String] = row["state"] as String }
                return found
            }
            let wanted = listed.filter { indexed[$0.id] != $0.status }
            let gone = Set(indexed.keys).subtracting(listed.map(\.id))
            let (rows, unreadable) = Self.readSidecars(wanted)
            report.unreadable = unreadable
            try pool.write { db in
                let load = {
                    for id in gone {
                        try db.execute(sql: "DELETE FROM job WHERE id = ? AND ended = 1", arguments: [id])
                    }
                    for row in rows { try Self.upsert(db, row, journal: false) }
                }
                // Many rows (a new index, a spool copied in): build the text index in one pass.
                if rows.count + gone.count > 2_000 { try Schema.bulk(db, load) } else { try load() }
                try Self.storeMark(db, Self.settled(mark))
            }
            report.loaded = rows.count
            report.removed = gone.count
            if !rows.isEmpty || !gone.isEmpty {
                logger.info(
                    "the job index caught up with the sidecars",
                    metadata: ["added": "\(rows.count)", "removed": "\(gone.count)"])
            }
        }
        report.live = try syncLive()
        let totals = try totals()
        report.sent = totals["sent"] ?? 0
        report.failed = totals["failed"] ?? 0
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// Reads every sidecar and journal again and replaces the index's rows with them.
    @discardableResult
    public func rebuild() throws -> SyncReport {
        let started = Date()
        var report = SyncReport()
        let mark = currentMark()
        let (rows, unreadable) = Self.readSidecars(listSidecars())
        report.unreadable = unreadable
        try pool.write { db in
            try Schema.bulk(db) {
                try db.execute(sql: "DELETE FROM job")
                for row in rows { try Self.upsert(db, row, journal: false) }
            }
            try Self.storeMark(db, Self.settled(mark))
        }
        report.loaded = rows.count
        report.live = try syncLive()
        report.sent = rows.filter { $0.state == "sent" }.count
        report.failed = rows.count - report.sent
        report.seconds = Date().timeIntervalSince(started)
        logger.info(
            "the job index was rebuilt",
            metadata: ["sent": "\(report.sent)", "failed": "\(report.failed)", "live": "\(report.live)"])
        return report
    }

    /// Live rows from the journals in `active/`: journals upserted (never over a sidecar's
    /// row). A live row whose journal is gone takes its job's sidecar when there is one (the
    /// daemon stopped between writing it and recording it, possibly in the same clock tick
    /// as a recorded one, so the folders' times did not show it) and is removed otherwise.
    /// Returns the journals read.
    func syncLive() throws -> Int {
        var records: [JobRecord] = []
        for name in (try? Syscall.listDirectory(activeFolder)) ?? [] {
            guard let id = JobID(name) else { continue }
            guard let bytes = try? AtomicFile.read(activeFolder + "/" + name + "/job.json"),
                let record = try? JSONDecoder.faxdrop().decode(JobRecord.self, from: Data(bytes)), record.jobID == id
            else { continue }
            records.append(record)
        }
        let now = Date()
        let ids = Set(records.map(\.jobID.value))
        let orphans = try pool.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM job WHERE ended = 0").filter { !ids.contains($0) }
        }
        let (found, _) = Self.readSidecars(
            orphans.flatMap { id in
                [(doneFolder, "sent"), (failedFolder, "failed")].compactMap { folder, status in
                    let path = folder + "/" + id + ".json"
                    return ((try? Syscall.lstatIfExists(path)) ?? nil) == nil
                        ? nil : ListedSidecar(id: id, status: status, path: path)
                }
            })
        try pool.write { db in
            for id in orphans { try db.execute(sql: "DELETE FROM job WHERE id = ? AND ended = 0", arguments: [id]) }
            for row in found { try Self.upsert(db, row, journal: false) }
            for record in records { try Self.upsert(db, JobIndexRow(record, now: now), journal: true) }
        }
        if !found.isEmpty {
            logger.info(
                "the job index took the sidecars of jobs whose journal is gone", metadata: ["added": "\(found.count)"])
        }
        return records.count
    }

    static func storeMark(_ db: Database, _ mark: String) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('ended_mark', ?)", arguments: [mark])
    }

    struct ListedSidecar: Sendable {
        var id: String
        var status: String
        var path: String
    }

    /// Every `<job-id>.json` in `done/` (status sent) and `failed/` (status failed).
    func listSidecars() -> [ListedSidecar] {
        var listed: [ListedSidecar] = []
        for (folder, status) in [(doneFolder, "sent"), (failedFolder, "failed")] {
            for name in (try? Syscall.listDirectory(folder)) ?? [] where name.hasSuffix(".json") {
                let stem = String(name.dropLast(5))
                guard JobID(stem) != nil else { continue }
                listed.append(ListedSidecar(id: stem, status: status, path: folder + "/" + name))
            }
        }
        return listed
    }

    /// Decodes sidecars on every core; unreadable ones (or ones whose id or status does not
    /// match their name and folder) are counted and left out.
    static func readSidecars(_ listed: [ListedSidecar]) -> (rows: [JobIndexRow], unreadable: Int) {
        guard !listed.isEmpty else { return ([], 0) }
        let chunks = max(1, min(listed.count / 256, ProcessInfo.processInfo.activeProcessorCount * 4))
        let results = Mutex<[Int: [JobIndexRow]]>([:])
        let unreadable = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let decoder = JSONDecoder()
            var rows: [JobIndexRow] = []
            var bad = 0
            var i = chunk
            while i < listed.count {
                let entry = listed[i]
                if let bytes = try? AtomicFile.read(entry.path),
                    let summary = try? decoder.decode(SidecarSummary.self, from: Data(bytes)),
                    summary.jobID == entry.id, summary.status == entry.status
                {
                    rows.append(summary.row)
                } else {
                    bad += 1
                }
                i += chunks
            }
            results.withLock { $0[chunk] = rows }
            unreadable.add(bad, ordering: .relaxed)
        }
        let rows = results.withLock { all in (0..<chunks).flatMap { all[$0] ?? [] } }
        return (rows, unreadable.load(ordering: .relaxed))
    }
}
