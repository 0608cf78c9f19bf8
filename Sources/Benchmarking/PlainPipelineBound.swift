import CPipelineBaseline
import Dispatch
import Scoring

/// The bound the throughput target is stated against: the plain C pipeline (Sources/CPipelineBaseline,
/// no radtriage code in its loop) scoring the same slice files one at a time on one thread: libpng,
/// stored values to SUV, area resampling, then the model with im2col + sgemm for every convolution.
/// It does less than radtriage (no evidence, no MIP, no state, no worklists).
public enum PlainPipelineBound {
    /// One slice file and the map of its stored values to the model's units (SUV: stored × slope + intercept).
    public struct Slice: Sendable {
        public var path: String
        public var slope: Float
        public var intercept: Float

        public init(path: String, slope: Float, intercept: Float) {
            self.path = path
            self.slope = slope
            self.intercept = intercept
        }
    }

    public struct Measurement: Codable, Sendable {
        public var slices: Int
        public var seconds: Double
        public var slicesPerSecond: Double { Double(slices) / max(seconds, 1e-9) }
    }

    /// Reads and scores each slice once per round; the best round counts (the page cache is warm for all).
    /// Returns the slices' logits too, so that callers can check it computes what radtriage computes.
    public static func measure(slices: [Slice], model: ScoringModel, rounds: Int = 2) throws -> (Measurement, logits: [Float]) {
        // One BLAS thread, as in radtriage's workers: this is the bound per core.
        BLASThreads.useOneThreadPerWorker()
        let network = PlainNetwork(model)
        guard let workspace = baseline_workspace_create(&network.description, 4096 * 4096) else {
            throw BenchError("the plain C pipeline could not allocate its buffers")
        }
        defer { baseline_workspace_destroy(workspace) }
        var bytes = [UInt8](repeating: 0, count: 1 << 20)
        var logits = [Float](repeating: .nan, count: slices.count)
        var best = Double.infinity
        for _ in 0..<max(rounds, 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            for (index, slice) in slices.enumerated() {
                let size = try DecodeBound.readFile(slice.path, into: &bytes)
                let status = bytes.withUnsafeBufferPointer { png in
                    baseline_score_slice(&network.description, workspace, png.baseAddress, size, slice.slope, slice.intercept, &logits[index])
                }
                guard status == 0 else { throw BenchError("\(slice.path): the plain C pipeline could not decode it") }
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return (Measurement(slices: slices.count, seconds: best), logits)
    }
}

/// The model as the C pipeline reads it: its layers, with pointers into one block that holds every
/// weight and bias, owned here for as long as the C code uses them.
private final class PlainNetwork {
    var description: baseline_model
    private let layers: UnsafeMutableBufferPointer<baseline_layer>
    private let parameters: UnsafeMutableBufferPointer<Float>

    init(_ model: ScoringModel) {
        let source = model.layerParameters
        let layers = UnsafeMutableBufferPointer<baseline_layer>.allocate(capacity: max(1, source.count))
        let parameters = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, source.reduce(0) { $0 + $1.weights.count + $1.bias.count }))
        var next = 0
        func stored(_ values: [Float]) -> UnsafePointer<Float> {
            let start = parameters.baseAddress! + next
            _ = UnsafeMutableBufferPointer(start: start, count: values.count).initialize(from: values)
            next += values.count
            return UnsafePointer(start)
        }
        for (index, layer) in source.enumerated() {
            layers[index] = baseline_layer(
                kind: Self.kind(layer.kind), in_c: layer.input.channels, in_h: layer.input.height, in_w: layer.input.width,
                out_c: layer.output.channels, out_h: layer.output.height, out_w: layer.output.width,
                kernel_h: layer.kernel.height, kernel_w: layer.kernel.width, stride_h: layer.stride.height, stride_w: layer.stride.width,
                pad_h: layer.padding.height, pad_w: layer.padding.width, weights: stored(layer.weights), bias: stored(layer.bias))
        }
        let input = model.manifest.input
        description = baseline_model(
            height: input.height, width: input.width, clip_min: input.clipMin, clip_max: input.clipMax, scale: input.scale,
            offset: input.offset, layers: UnsafePointer(layers.baseAddress!), layer_count: source.count)
        self.layers = layers
        self.parameters = parameters
    }

    deinit {
        layers.deallocate()
        parameters.deallocate()
    }

    private static func kind(_ kind: LayerParameters.Kind) -> baseline_layer_kind {
        switch kind {
        case .convolution: BASELINE_CONV
        case .relu: BASELINE_RELU
        case .maxPool: BASELINE_MAX_POOL
        case .averagePool: BASELINE_AVERAGE_POOL
        case .globalMaxPool: BASELINE_GLOBAL_MAX
        case .globalAveragePool: BASELINE_GLOBAL_AVERAGE
        case .dense: BASELINE_DENSE
        case .sigmoid: BASELINE_SIGMOID
        }
    }
}
