/// An error that a person reads and acts on: what is wrong, where (the file, and the field inside it)
/// and the value found there. Every error that reaches the command line conforms, so that a message
/// always names its file, and the executable maps each one to an exit status in one table.
public protocol UserFacingError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, in words.
    var what: String { get }
    /// The file or folder the problem is in, as the user gave it; nil when none applies.
    var file: String? { get }
    /// Where inside the file: a JSON or YAML key path, a DICOM tag, a tensor's name.
    var field: String? { get }
    /// The offending value, as text.
    var value: String? { get }
    /// A line printed above the description, for an error that lists several problems.
    var headline: String? { get }
}

extension UserFacingError {
    public var field: String? { nil }
    public var value: String? { nil }
    public var headline: String? { nil }

    /// `file: field = value: what`, leaving out what is nil: the usual description.
    public var located: String {
        var text = file.map { "\($0): " } ?? ""
        if let field { text += field + (value.map { " = \($0)" } ?? "") + ": " }
        return text + what
    }
}

extension RegularFile.Refusal: UserFacingError {
    public var what: String { reason }
    public var file: String? { path }
}

extension InputProblem {
    /// `file:line:column: field = value: message` (compilers' form), for problems in a text file.
    public var compilerStyle: String {
        var text = file + ":"
        if let line { text += "\(line):\(column ?? 1):" }
        text += " "
        if let field { text += field + (value.map { " = \($0)" } ?? "") + ": " }
        return text + message
    }
}
