/// The unusable slices of a series: listed one by one up to a limit, then counted, so that a series
/// with thousands of broken slices still gives a readable report.
public struct SliceProblemList: Sendable {
    public let limit: Int
    public private(set) var listed: [InputProblem] = []
    public private(set) var count = 0

    public init(limit: Int = 10) {
        self.limit = limit
    }

    public var isEmpty: Bool { count == 0 }

    public mutating func append(_ problem: InputProblem) {
        count += 1
        if listed.count < limit { listed.append(problem) }
    }

    /// A slice whose size is not the series' size.
    public mutating func appendSizeMismatch(file: String, width: Int, height: Int, seriesWidth: Int, seriesHeight: Int) {
        append(InputProblem(
            file: file, value: "\(width) × \(height)",
            message: "slice size differs from the series' \(seriesWidth) × \(seriesHeight): all slices of a series must have one size"))
    }

    /// The listed problems, plus one line counting the rest.
    public func problems(seriesFolder: String) -> [InputProblem] {
        count > listed.count
            ? listed + [InputProblem(file: seriesFolder, message: "\(count - listed.count) more unusable slices in this series")]
            : listed
    }
}
