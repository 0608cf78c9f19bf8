/// Resamples a slice to the model grid by area averaging, then clips and scales it as the manifest says.
///
/// Area averaging is the mean of the input over each output pixel's footprint, with exact fractional
/// weights at its edges, so that the total uptake (the image's mass) is preserved for any ratio: a hot
/// spot is never lost between two sampled pixels, as it could be with nearest-neighbour sampling.
/// Separable: rows first, then columns. Weights are computed once per input size and reused.
public struct SliceResampler: Sendable {
    /// For each output index, the input indices it covers and their weights (summing to 1).
    struct AxisWeights: Sendable {
        var starts: [Int]
        var weights: [[Float]]

        init(input: Int, output: Int) {
            let ratio = Double(input) / Double(output)
            starts = []
            weights = []
            for index in 0..<output {
                let low = Double(index) * ratio, high = Double(index + 1) * ratio
                let first = Int(low.rounded(.down)), last = min(Int(high.rounded(.up)), input)
                var row: [Float] = []
                for source in first..<last {
                    let overlap = min(high, Double(source + 1)) - max(low, Double(source))
                    row.append(Float(overlap / ratio))
                }
                starts.append(first)
                weights.append(row)
            }
        }
    }

    public let inputWidth: Int
    public let inputHeight: Int
    public let outputWidth: Int
    public let outputHeight: Int
    private let horizontal: AxisWeights
    private let vertical: AxisWeights

    public init(inputWidth: Int, inputHeight: Int, outputWidth: Int, outputHeight: Int) {
        precondition(inputWidth > 0 && inputHeight > 0 && outputWidth > 0 && outputHeight > 0, "sizes must be positive")
        self.inputWidth = inputWidth
        self.inputHeight = inputHeight
        self.outputWidth = outputWidth
        self.outputHeight = outputHeight
        horizontal = AxisWeights(input: inputWidth, output: outputWidth)
        vertical = AxisWeights(input: inputHeight, output: outputHeight)
    }

    /// Resamples `source` (inputHeight × inputWidth, row-major) into `destination` (outputHeight ×
    /// outputWidth), using `scratch` (at least inputHeight × outputWidth) for the intermediate rows.
    public func resample(
        _ source: UnsafeBufferPointer<Float>, into destination: UnsafeMutableBufferPointer<Float>,
        scratch: UnsafeMutableBufferPointer<Float>
    ) {
        precondition(source.count >= inputWidth * inputHeight && destination.count >= outputWidth * outputHeight
                     && scratch.count >= inputHeight * outputWidth, "resampling buffers too small")
        for y in 0..<inputHeight {
            let row = y * inputWidth
            for x in 0..<outputWidth {
                let start = horizontal.starts[x]
                var sum: Float = 0
                for (offset, weight) in horizontal.weights[x].enumerated() { sum += source[row + start + offset] * weight }
                scratch[y * outputWidth + x] = sum
            }
        }
        for y in 0..<outputHeight {
            let start = vertical.starts[y]
            for x in 0..<outputWidth {
                var sum: Float = 0
                for (offset, weight) in vertical.weights[y].enumerated() { sum += scratch[(start + offset) * outputWidth + x] * weight }
                destination[y * outputWidth + x] = sum
            }
        }
    }
}

extension ModelManifest.Input {
    /// Clips to [clipMin, clipMax], then value × scale + offset, in place.
    public func normalise(_ values: UnsafeMutableBufferPointer<Float>) {
        for index in values.indices {
            values[index] = min(max(values[index], clipMin), clipMax) * scale + offset
        }
    }
}
