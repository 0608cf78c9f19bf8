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

    /// The series' slice size, set by the first slice that decoded.
    public private(set) var seriesSize: (width: Int, height: Int)?

    /// Whether a slice that decoded has the series' size: the first one sets it, and every other must
    /// match it; one that does not is listed here as unusable.
    public mutating func admitSize(file: String, width: Int, height: Int) -> Bool {
        guard let size = seriesSize else {
            seriesSize = (width, height)
            return true
        }
        guard size != (width, height) else { return true }
        append(InputProblem(
            file: file, value: "\(width) × \(height)",
            message: "slice size differs from the series' \(size.width) × \(size.height): all slices of a series must have one size"))
        return false
    }

    /// The listed problems, plus one line counting the rest.
    public func problems(seriesFolder: String) -> [InputProblem] {
        count > listed.count
            ? listed + [InputProblem(file: seriesFolder, message: "\(count - listed.count) more unusable slices in this series")]
            : listed
    }
}
