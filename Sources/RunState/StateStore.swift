import Foundation
import GRDB

/// The run state: a SQLite database in the output directory, next to the run lock, holding each study's
/// fingerprint and result and one row per run. One connection per run; every write is its own
/// transaction, so a run killed at any instant leaves the database as of its last commit.
public final class StateStore: Sendable {
    public static let fileName = "radtriage-state.sqlite"
    /// `PRAGMA application_id`: marks the file as radtriage's, so that another program's SQLite file in
    /// its place is recognised and left alone ("RTRG").
    static let applicationID: Int32 = 0x5254_5247

    public let path: String
    private let database: DatabaseQueue

    /// Opens (or creates) the state in `directory`, refusing any file that is not radtriage's state.
    public init(directory: URL) throws(StateError) {
        let path = directory.appendingPathComponent(Self.fileName).path
        self.path = path
        try Self.checkHeader(path)
        var configuration = Configuration()
        // Another reader (sqlite3, a backup) may hold the file briefly; wait instead of failing.
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw StateError(.write, path: path, cause: error)
        }
        do {
            try database.read { db in try Self.checkOwnership(db, path: path) }
            let migrator = Self.migrator
            if try database.read({ db in try migrator.hasBeenSuperseded(db) }) {
                throw StateError(.unusable, path: path, reason: "written by a newer radtriage (its schema has migrations this version does not know)")
            }
            try migrator.migrate(database)
        } catch let error as StateError {
            throw error
        } catch let error as DatabaseError where [.SQLITE_NOTADB, .SQLITE_CORRUPT].contains(error.resultCode) {
            throw StateError(.unusable, path: path, cause: error) { "the database is damaged (SQLite: \($0))" }
        } catch {
            throw StateError(.write, path: path, cause: error)
        }
    }

    /// Every study in the state, without the slice logits (which runs never read back).
    public func studies() throws(StateError) -> [String: StudyRecord] {
        try access {
            try database.read { db in
                let records = try StudyRecord.select(.allColumns(excluding: ["sliceLogits"])).fetchAll(db)
                return Dictionary(records.map { ($0.folder, $0) }, uniquingKeysWith: { first, _ in first })
            }
        }
    }

    /// Stores one study's result in one transaction, replacing what was there.
    public func save(_ record: StudyRecord) throws(StateError) {
        try access { try database.write { db in try record.upsert(db) } }
    }

    public func begin(_ run: RunRecord) throws(StateError) {
        try access { try database.write { db in try run.insert(db) } }
    }

    /// Ends a run in one transaction: the studies it found and did not score again are marked as seen at
    /// `date`, the studies no run has found since `forgetBefore` are forgotten, and the run's row gets
    /// its end. One commit, not three: each costs fsyncs, and a cron run that finds nothing new is mostly
    /// such fixed costs. Returns how many studies were forgotten.
    @discardableResult
    public func finish(_ run: RunRecord, seen folders: [String] = [], at date: Date = Date(), forgetBefore: Date? = nil) throws(StateError) -> Int {
        try access {
            try database.write { db in
                for folder in folders {
                    try db.execute(sql: "UPDATE study SET lastSeenAt = ? WHERE folder = ?", arguments: [date, folder])
                }
                var forgotten = 0
                if let forgetBefore {
                    try db.execute(sql: "DELETE FROM study WHERE lastSeenAt < ?", arguments: [forgetBefore])
                    forgotten = db.changesCount
                }
                try run.update(db)
                return forgotten
            }
        }
    }

    /// Ends a run that a stop request's grace period cut short, from what its saved studies say; a run
    /// that has ended already is left as it is. Called on a connection of its own while the run's
    /// workers may still be busy. Returns whether the run was recorded.
    @discardableResult
    public func recordForcedStop(runID: String, signal: Int32, exitCode: Int, at date: Date = Date()) throws(StateError) -> Bool {
        try access {
            try database.write { db in
                guard var run = try RunRecord.fetchOne(db, key: runID), run.finishedAt == nil else { return false }
                let saved = StudyRecord.filter(Column("runId") == runID)
                run.scored = try saved.filter(Column("status") != StudyRecord.Status.failed.rawValue).fetchCount(db)
                run.failed = try saved.filter(Column("status") == StudyRecord.Status.failed.rawValue).fetchCount(db)
                run.finishedAt = date
                run.seconds = date.timeIntervalSince(run.startedAt)
                run.stopSignal = Int(signal)
                run.exitCode = exitCode
                try run.update(db)
                return true
            }
        }
    }

    /// The latest run that ended (completed, or stopped by a signal); killed runs have no end.
    public func lastFinishedRun() throws(StateError) -> RunRecord? {
        try access {
            try database.read { db in
                try RunRecord.filter(Column("finishedAt") != nil).order(Column("startedAt").desc).fetchOne(db)
            }
        }
    }

    public func runs() throws(StateError) -> [RunRecord] {
        try access { try database.read { db in try RunRecord.order(Column("startedAt")).fetchAll(db) } }
    }

    /// `PRAGMA integrity_check`: "ok", or SQLite's list of problems.
    public func integrityCheck() throws(StateError) -> String {
        try access { try database.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "\n") } }
    }

    private func access<T>(_ body: () throws -> T) throws(StateError) -> T {
        do {
            return try body()
        } catch {
            throw StateError(.write, path: path, cause: error)
        }
    }

    /// A file that exists must start with SQLite's magic header; checked before SQLite opens it, so that
    /// nothing is ever written into a file that is not a database.
    private static func checkHeader(_ path: String) throws(StateError) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        guard !header.isEmpty else { return }  // an empty file is an empty database
        guard header == Data("SQLite format 3\0".utf8) else {
            throw StateError(.unusable, path: path, reason: "not a SQLite database (a foreign or damaged file where the run state should be)")
        }
    }

    /// A database with tables but without radtriage's application id belongs to another program.
    private static func checkOwnership(_ db: Database, path: String) throws {
        let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
        if tables > 0, applicationID != Self.applicationID {
            throw StateError(.unusable, path: path, reason: "a SQLite database of another program (application id \(applicationID), not radtriage's)")
        }
        let check = try String.fetchAll(db, sql: "PRAGMA quick_check")
        if check != ["ok"] {
            throw StateError(.unusable, path: path, reason: "the database is damaged (quick_check: \(check.prefix(3).joined(separator: "; ")))")
        }
    }

    /// Named, append-only migrations: never edit one that has shipped; add the next.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: studies with fingerprints and results, one row per run") { db in
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            try db.create(table: "run") { table in
                table.primaryKey("id", .text)
                table.column("startedAt", .datetime).notNull()
                table.column("finishedAt", .datetime)
                table.column("exitCode", .integer)
                table.column("toolVersion", .text).notNull()
                table.column("modelId", .text).notNull()
                table.column("weightsSHA256", .text).notNull()
                table.column("full", .boolean).notNull()
                table.column("jobs", .integer).notNull()
                for count in ["studiesSeen", "scored", "skipped", "failed", "absent", "slices"] {
                    table.column(count, .integer)
                }
                table.column("seconds", .double)
                table.column("stopSignal", .integer)
            }
            try db.create(table: "study") { table in
                table.primaryKey("folder", .text)
                table.column("studyId", .text)
                table.column("fingerprint", .text).notNull()
                table.column("fileCount", .integer).notNull()
                table.column("toolVersion", .text).notNull()
                table.column("modelId", .text).notNull()
                table.column("weightsSHA256", .text).notNull()
                table.column("status", .text).notNull().check { ["scored", "failed"].contains($0) }
                table.column("probability", .double)
                table.column("reason", .text)
                table.column("slices", .integer).notNull()
                table.column("outcome", .blob).notNull()
                table.column("thumbnail", .blob)
                table.column("sliceLogits", .blob)
                table.column("runId", .text).notNull().references("run")
                table.column("scoredAt", .datetime).notNull()
                table.column("lastSeenAt", .datetime).notNull().indexed()
                table.column("seconds", .double).notNull()
            }
        }
        migrator.registerMigration("v2: hottest voxel stored as [column, row, slice]") { db in
            // Release 0.2.0 stored a scored study's hottest voxel as [slice, column, row]; the voxel is now one
            // type (TriageCore.VoxelIndex) in x, y, z order everywhere. Only those three numbers change:
            // the results stay as scored, and nothing is scored again.
            let rows = try Row.fetchAll(db, sql: "SELECT folder, outcome FROM study WHERE status = 'scored'")
            for row in rows {
                let folder: String = row["folder"]
                let outcome: Data = row["outcome"]
                if let upgraded = Self.voxelInXYZOrder(outcome) {
                    try db.execute(sql: "UPDATE study SET outcome = ? WHERE folder = ?", arguments: [upgraded, folder])
                }
            }
        }
        migrator.registerMigration("v3: each result carries the version of its encoding") { db in
            // Every result stored so far has been upgraded to version 2 by v2.
            try db.alter(table: "study") { table in table.add(column: "resultVersion", .integer).notNull().defaults(to: 2) }
        }
        migrator.registerMigration("v4: results without the focal uptake are marked to be scored again") { db in
            // Release 0.2.0 did not compute the focal uptake, and the tool's version stayed when it was added,
            // so its results would be reused without it. Version 3 marks a result that has it, or needs none
            // (a failure; a model without SUV evidence); the others keep 2, stay on the worklist as they are,
            // and are scored again by the next run. Nothing else changes.
            try db.execute(sql: "UPDATE study SET resultVersion = 3 WHERE status = 'failed'")
            let rows = try Row.fetchAll(db, sql: "SELECT folder, outcome FROM study WHERE status = 'scored'")
            for row in rows where Self.hasEveryEvidence(row["outcome"]) {
                let folder: String = row["folder"]
                try db.execute(sql: "UPDATE study SET resultVersion = 3 WHERE folder = ?", arguments: [folder])
            }
        }
        return migrator
    }

    /// Whether a stored scored outcome has the focal uptake wherever it has SUV evidence (`v4`).
    static func hasEveryEvidence(_ outcome: Data) -> Bool {
        let text = String(decoding: outcome, as: UTF8.self)
        return !text.contains("\"evidence\":") || text.contains("\"focalUptake\":")
    }

    /// `"suvMaxVoxel":[slice,column,row]` rewritten as `[column,row,slice]` in a stored outcome's JSON,
    /// leaving every other byte as it was; nil when the outcome has no such voxel.
    static func voxelInXYZOrder(_ outcome: Data) -> Data? {
        let text = String(decoding: outcome, as: UTF8.self)
        let pattern = /"suvMaxVoxel":\[(-?\d+),(-?\d+),(-?\d+)\]/
        guard text.contains(pattern) else { return nil }
        let upgraded = text.replacing(pattern) { match in
            "\"suvMaxVoxel\":[\(match.output.2),\(match.output.3),\(match.output.1)]"
        }
        return Data(upgraded.utf8)
    }
}
