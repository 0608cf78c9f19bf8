import TriageCore

/// Why `radtriage bench` could not measure: the file or folder, and what went wrong.
public struct BenchError: UserFacingError {
    public enum Kind: Sendable {
        /// The studies given cannot be measured (no folder, no slices of the model's modality).
        case input
        /// A measurement failed (a file the bound could not decode, a run that did not finish).
        case measurement
    }

    public let kind: Kind
    public let file: String?
    public let what: String
    public var description: String { located }

    public init(_ kind: Kind = .measurement, file: String?, what: String) {
        self.kind = kind
        self.file = file
        self.what = what
    }

    /// Another error, kept with its file when it names one.
    public init(_ cause: any Error, kind: Kind = .measurement) {
        let located = cause as? any UserFacingError
        self.init(kind, file: located?.file, what: located?.what ?? "\(cause)")
    }
}
