import FaxDropCore
import Foundation
import GRDB

/// Keeping rows current as jobs change. The daemon calls these off its engine (see
/// `JobIndexObserver`); a failure is the caller's to log, and `markBehind()` makes the next
/// open catch up from the files.
extension JobIndex {
    static let columns = [
        "id", "destination", "digits", "original_name", "state", "ended", "error_code", "error_message", "pages_total",
        "pages_sent", "attempts", "queued_at", "completed_at", "not_before", "updated_at",
    ]

    /// `INSERT … ON CONFLICT DO UPDATE`; a journal's row never replaces a sidecar's.
    static func upsertSQL(journal: Bool) -> String {
        let updates = columns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        return
            "INSERT INTO job (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
            + " ON CONFLICT(id) DO UPDATE SET \(updates)" + (journal ? " WHERE job.ended = 0" : "")
    }

    static func upsert(_ db: Database, _ row: JobIndexRow, journal: Bool) throws {
        let statement = try db.cachedStatement(sql: upsertSQL(journal: journal))
        try statement.execute(arguments: StatementArguments(row.databaseValues(fromSidecar: !journal)))
    }

    /// A job ended: its sidecar's row replaces whatever the index had. Called once the
    /// sidecar is on disk (the daemon, the only writer of `done/` and `failed/` while it
    /// runs), it also stores the folders' times, so the next open or `faxdrop status` need
    /// not compare every sidecar name again. Only a mark that was in step (settled, not
    /// removed by `markBehind()`) is moved on. A sidecar written in the same clock tick but
    /// not yet recorded (the daemon stopped in between) is found through its live row: see
    /// `syncLive()`.
    public func record(sidecar: Sidecar) throws {
        try pool.write { db in
            try Self.upsert(db, JobIndexRow(sidecar), journal: false)
            if let stored = try Self.storedMark(db), !stored.hasSuffix(Self.unsettledSuffix) {
                try Self.storeMark(db, currentMark())
            }
        }
    }

    /// A live job changed; ignored when the index already has the job's sidecar.
    public func record(journal: JobRecord, now: Date = Date()) throws {
        try pool.write { db in try Self.upsert(db, JobIndexRow(journal, now: now), journal: true) }
    }

    /// A live job left without a sidecar (dropped before it was claimed).
    public func removeLive(id: String) throws {
        try pool.write { db in try db.execute(sql: "DELETE FROM job WHERE id = ? AND ended = 0", arguments: [id]) }
    }

    /// The index may have missed a change: the next open (or `catchUp()`) compares it with
    /// the sidecars again. Best effort: a broken index is caught up from the files anyway.
    public func markBehind() {
        try? pool.write { db in try db.execute(sql: "DELETE FROM meta WHERE key = 'ended_mark'") }
    }
}
