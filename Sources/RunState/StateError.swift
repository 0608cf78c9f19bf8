import GRDB
import TriageCore

/// A problem with the state database, always naming its file, with SQLite's result code when SQLite
/// reported it (SQLITE_FULL, SQLITE_READONLY, SQLITE_NOTADB, ...), so that a caller can tell them apart.
public struct StateError: UserFacingError {
    public enum Kind: Sendable {
        /// The file is not radtriage's state (another program's file, a corrupt database, or a newer
        /// schema): left untouched.
        case unusable
        /// The state could not be written (disk full, read-only file system, permissions).
        case write
    }

    public let kind: Kind
    public let path: String
    public let reason: String
    /// SQLite's primary or extended result code, if the problem came from SQLite.
    public let sqliteResultCode: Int32?

    public var file: String? { path }
    public var what: String {
        switch kind {
        case .unusable:
            "\(reason). radtriage left the file untouched; move it away (or delete it) to start a new state, "
                + "which re-scores every study on the next run."
        case .write:
            "cannot write the run state: \(reason)"
        }
    }
    public var description: String { located }

    public init(_ kind: Kind, path: String, reason: String, sqliteResultCode: Int32? = nil) {
        self.kind = kind
        self.path = path
        self.reason = reason
        self.sqliteResultCode = sqliteResultCode
    }

    /// An error from GRDB or SQLite: SQLite's own message ("database or disk is full", "file is not a
    /// database") without GRDB's SQL echo, and its result code; `context` wraps the message.
    public init(_ kind: Kind, path: String, cause: any Error, context: (String) -> String = { $0 }) {
        guard let error = cause as? DatabaseError else {
            self.init(kind, path: path, reason: context("\(cause)"))
            return
        }
        self.init(kind, path: path, reason: context(error.message ?? "SQLite error \(error.resultCode.rawValue)"),
                  sqliteResultCode: error.extendedResultCode.rawValue)
    }
}
