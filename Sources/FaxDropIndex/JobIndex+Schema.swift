import Foundation
import GRDB

extension JobIndex {
    /// The tables and indexes. `user_version` names the schema; another one is rebuilt.
    enum Schema {
        static let version = 1

        static func prepare(_ db: Database, check: Bool) throws {
            if check {
                let result = try String.fetchOne(db, sql: "PRAGMA quick_check") ?? ""
                if result != "ok" { throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "quick_check: \(result)") }
            }
            let current = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
            if current == version, try db.tableExists("job"), try db.tableExists("meta") { return }
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
            if !tables.isEmpty {
                throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "schema \(current), tables \(tables)")
            }
            try db.execute(
                sql: """
                    CREATE TABLE job (
                        id TEXT PRIMARY KEY NOT NULL,
                        destination TEXT NOT NULL,
                        digits TEXT NOT NULL,
                        original_name TEXT NOT NULL,
                        state TEXT NOT NULL,
                        ended INTEGER NOT NULL,
                        error_code TEXT,
                        error_message TEXT,
                        pages_total INTEGER,
                        pages_sent INTEGER,
                        attempts INTEGER NOT NULL,
                        queued_at REAL NOT NULL,
                        completed_at REAL,
                        not_before REAL,
                        updated_at REAL NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX job_queued ON job (queued_at DESC, id DESC);
                    CREATE INDEX job_destination ON job (digits);
                    CREATE INDEX job_state ON job (state, queued_at DESC);
                    CREATE INDEX job_completed ON job (state, completed_at DESC);
                    CREATE INDEX job_error ON job (error_code);
                    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
                    PRAGMA user_version = \(version);
                    """)
        }

        /// Errors that mean the file is no usable index: rebuild it.
        static func isDamage(_ error: DatabaseError) -> Bool {
            switch error.resultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT, .SQLITE_FORMAT: return true
            default: return false
            }
        }
    }
}
