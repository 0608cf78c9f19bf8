public struct BenchError: Error, CustomStringConvertible {
    public enum Kind: Sendable {
        /// The studies given cannot be measured (no folder, no slices of the model's modality).
        case input
        /// A measurement failed (a file the bound could not decode, a run that did not finish).
        case measurement
    }

    public let kind: Kind
    public let description: String

    public init(_ description: String, kind: Kind = .measurement) {
        self.kind = kind
        self.description = description
    }
}
