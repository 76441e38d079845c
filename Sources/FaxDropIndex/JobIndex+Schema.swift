import Foundation
import GRDB

extension JobIndex {
    /// The tables and indexes. `user_version` names the schema; another one is rebuilt.
    /// `job_text` (version 2) is an FTS5 trigram index over the file names, ids and
    /// destination digits, kept by triggers, so that substring searches need no scan.
    enum Schema {
        static let version = 2

        static func prepare(_ db: Database, check: Bool) throws {
            if check {
                let result = try String.fetchOne(db, sql: "PRAGMA quick_check") ?? ""
                if result != "ok" {
                    throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "quick_check: \(result)")
                }
            }
            let current = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
            if current == version, try db.tableExists("job"), try db.tableExists("meta"), try db.tableExists("job_text")
            {
                return
            }
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
            if !tables.isEmpty {
                throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "schema \(current), tables \(tables)")
            }
            try db.execute(
                sql: """
                    CREATE TABLE job (
                        id TEXT NOT NULL UNIQUE,
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
                    );
                    CREATE INDEX job_queued ON job (queued_at DESC, id DESC);
                    CREATE INDEX job_destination ON job (digits);
                    CREATE INDEX job_state ON job (state, queued_at DESC);
                    CREATE INDEX job_completed ON job (state, completed_at DESC);
                    CREATE INDEX job_error ON job (error_code);
                    CREATE VIRTUAL TABLE job_text USING fts5(
                        original_name, id, digits, content = 'job', content_rowid = 'rowid', tokenize = 'trigram');
                    \(triggers)
                    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
                    PRAGMA user_version = \(version);
                    """)
        }

        /// Keep `job_text` in step with `job`, row by row.
        static let triggers = """
            CREATE TRIGGER job_text_insert AFTER INSERT ON job BEGIN
                INSERT INTO job_text (rowid, original_name, id, digits) VALUES (new.rowid, new.original_name, new.id, new.digits);
            END;
            CREATE TRIGGER job_text_delete AFTER DELETE ON job BEGIN
                INSERT INTO job_text (job_text, rowid, original_name, id, digits)
                    VALUES ('delete', old.rowid, old.original_name, old.id, old.digits);
            END;
            CREATE TRIGGER job_text_update AFTER UPDATE OF original_name, digits ON job
                WHEN old.original_name IS NOT new.original_name OR old.digits IS NOT new.digits BEGIN
                INSERT INTO job_text (job_text, rowid, original_name, id, digits)
                    VALUES ('delete', old.rowid, old.original_name, old.id, old.digits);
                INSERT INTO job_text (rowid, original_name, id, digits) VALUES (new.rowid, new.original_name, new.id, new.digits);
            END;
            """

        /// Loads many rows at once: the triggers are dropped, `body` runs, and `job_text` is
        /// built again in one pass (far cheaper than row by row), then the triggers return.
        static func bulk(_ db: Database, _ body: () throws -> Void) throws {
            try db.execute(
                sql: "DROP TRIGGER job_text_insert; DROP TRIGGER job_text_delete; DROP TRIGGER job_text_update;")
            try body()
            try db.execute(sql: "INSERT INTO job_text (job_text) VALUES ('rebuild')")
            try db.execute(sql: triggers)
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
