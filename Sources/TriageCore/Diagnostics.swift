/// One problem found in an input, precise enough for a person to find and fix it:
/// which file, which field (a JSON path such as `$.series[0].rescaleSlope`), which value, and what is wrong.
public struct InputProblem: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable {
        /// The study cannot be processed.
        case error
        /// The study can be processed, but a reader should know (a QC flag).
        case warning
    }

    public let severity: Severity
    /// The file the problem is in, as given to the reader (a path).
    public let file: String
    /// A JSON path (`$.series[0].slices[3].rescaleSlope`) or, for slices, empty.
    public let field: String?
    /// The offending value as text, if there is one.
    public let value: String?
    /// What is wrong, in words.
    public let message: String
    /// For a text file (a YAML configuration): the line and column, counted from 1.
    public let line: Int?
    public let column: Int?

    public init(_ severity: Severity = .error, file: String, field: String? = nil, value: String? = nil, message: String,
                line: Int? = nil, column: Int? = nil) {
        self.severity = severity
        self.file = file
        self.field = field
        self.value = value
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String {
        var text = "\(severity): \(file)"
        if let field { text += ": \(field)" }
        if let value { text += " = \(value)" }
        return text + ": \(message)"
    }
}
