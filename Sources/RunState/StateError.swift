import GRDB

/// A problem with the state database, always naming its file.
public struct StateError: Error, Sendable, CustomStringConvertible {
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

    public var description: String {
        switch kind {
        case .unusable:
            "\(path): \(reason). radtriage left the file untouched; move it away (or delete it) to start a new state, "
                + "which re-scores every study on the next run."
        case .write:
            "\(path): cannot write the run state: \(reason)"
        }
    }

    public init(_ kind: Kind, path: String, reason: String) {
        self.kind = kind
        self.path = path
        self.reason = reason
    }

    /// SQLite's own message ("database or disk is full", "file is not a database"), without GRDB's SQL echo.
    static func reason(of error: any Error) -> String {
        guard let error = error as? DatabaseError else { return "\(error)" }
        return error.message ?? "SQLite error \(error.resultCode.rawValue)"
    }
}
