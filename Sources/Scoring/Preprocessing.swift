/// Resamples a slice to the model grid by area averaging, then clips and scales it as the manifest says.
///
/// Area averaging is the mean of the input over each output pixel's footprint, with exact fractional
/// weights at its edges, so that the total uptake (the image's mass) is preserved for any ratio: a hot
/// spot is never lost between two sampled pixels, as it could be with nearest-neighbour sampling.
/// Separable: rows first, then columns. Weights are computed once per input size and reused.
public struct SliceResampler: Sendable {
    /// For each output index, the first input index it covers and `taps` weights (summing to 1; zero
    /// past the footprint), flat so the inner loops run on plain pointers.
    struct AxisWeights: Sendable {
        var starts: [Int]
        var taps: Int
        var weights: [Float]

        init(input: Int, output: Int) {
            let ratio = Double(input) / Double(output)
            var rows: [[Float]] = []
            starts = []
            for index in 0..<output {
                let low = Double(index) * ratio, high = Double(index + 1) * ratio
                let first = Int(low.rounded(.down)), last = min(Int(high.rounded(.up)), input)
                var row: [Float] = []
                for source in first..<last {
                    let overlap = min(high, Double(source + 1)) - max(low, Double(source))
                    row.append(Float(overlap / ratio))
                }
                starts.append(first)
                rows.append(row)
            }
            taps = rows.map(\.count).max() ?? 1
            // A footprint with fewer taps than the widest is padded with zero weights; its start moves
            // back where it would otherwise read past the end of the input.
            weights = []
            for index in 0..<output {
                var row = rows[index]
                let missing = taps - row.count
                if starts[index] + taps > input {
                    starts[index] -= missing
                    row = [Float](repeating: 0, count: missing) + row
                } else {
                    row += [Float](repeating: 0, count: missing)
                }
                weights += row
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

    /// Floats of scratch space `resample` needs: the intermediate image, outputHeight × inputWidth.
    public var scratchCount: Int { outputHeight * inputWidth }

    /// Resamples `source` (inputHeight × inputWidth, row-major) into `destination` (outputHeight ×
    /// outputWidth), using `scratch` (at least `scratchCount` floats) for the intermediate rows.
    /// Rows are combined first: each intermediate row is a weighted sum of whole input rows, contiguous
    /// and vectorised, which also halves the input for the strided column pass when downsampling.
    public func resample(
        _ source: UnsafeBufferPointer<Float>, into destination: UnsafeMutableBufferPointer<Float>,
        scratch: UnsafeMutableBufferPointer<Float>
    ) {
        precondition(source.count >= inputWidth * inputHeight && destination.count >= outputWidth * outputHeight
                     && scratch.count >= scratchCount, "resampling buffers too small")
        guard let input = source.baseAddress, let output = destination.baseAddress, let rows = scratch.baseAddress else { return }
        vertical.weights.withUnsafeBufferPointer { weights in
            let taps = vertical.taps
            for y in 0..<outputHeight {
                let out = rows + y * inputWidth
                let first = input + vertical.starts[y] * inputWidth
                let w0 = weights[y * taps]
                for x in 0..<inputWidth { out[x] = first[x] * w0 }
                for tap in 1..<max(taps, 1) {
                    let w = weights[y * taps + tap]
                    let next = first + tap * inputWidth
                    for x in 0..<inputWidth { out[x] += next[x] * w }
                }
            }
        }
        horizontal.weights.withUnsafeBufferPointer { weights in
            horizontal.starts.withUnsafeBufferPointer { starts in
                let taps = horizontal.taps
                for y in 0..<outputHeight {
                    let row = rows + y * inputWidth
                    let out = output + y * outputWidth
                    if taps == 2 {
                        // Halving, the usual case (256 → 128): unrolled, which the general loop is not.
                        for x in 0..<outputWidth {
                            let first = row + starts[x]
                            let w = weights.baseAddress! + 2 * x
                            out[x] = first[0] * w[0] + first[1] * w[1]
                        }
                        continue
                    }
                    for x in 0..<outputWidth {
                        let first = row + starts[x]
                        let w = weights.baseAddress! + x * taps
                        var sum: Float = 0
                        for tap in 0..<taps { sum += first[tap] * w[tap] }
                        out[x] = sum
                    }
                }
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
