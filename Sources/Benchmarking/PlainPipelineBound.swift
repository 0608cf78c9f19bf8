import BenchKernels
import CPipelineBaseline
import Scoring
import TriageCore

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
        /// A native DICOM slice of 16-bit unsigned little-endian samples, whose pixel data are the file's
        /// last width × height × 2 bytes: the plain loop reads them there (no parsing); nil for PNG.
        public var dicomSize: (width: Int, height: Int)?

        public init(path: String, slope: Float, intercept: Float, dicomSize: (width: Int, height: Int)? = nil) {
            self.path = path
            self.slope = slope
            self.intercept = intercept
            self.dicomSize = dicomSize
        }

        /// Where a native DICOM slice's samples are in its file's bytes, checked against the file's size.
        func dicomSamples(in bytes: [UInt8]) throws(BenchError) -> Range<Int>? {
            guard let size = dicomSize else { return nil }
            let count = size.width * size.height * 2
            guard bytes.count >= count else { throw BenchError(file: path, what: "\(bytes.count) bytes, fewer than its \(size.width) × \(size.height) samples") }
            return bytes.count - count..<bytes.count
        }
    }

    public typealias Measurement = BoundRate

    /// Reads and scores each slice once per round; the best round counts (the page cache is warm for all).
    /// With `threads` > 1, that many threads share the slices through the work queue radtriage's run
    /// uses, each with its own buffers and one BLAS thread: how a plain pipeline scales on this machine,
    /// measured. Returns the slices' logits too, so that callers can check it computes what radtriage computes.
    public static func measure(slices: [Slice], model: ScoringModel, rounds: Int = 2, threads: Int = 1) throws -> (Measurement, logits: [Float]) {
        // One BLAS thread per thread, as in radtriage's workers.
        BLASThreads.useOneThreadPerWorker()
        let network = PlainNetwork(model)
        var logits: [Float] = []
        let measurement = try BoundRate.fastest(of: rounds, slices: slices.count) {
            logits = try WorkQueue.map(count: slices.count, workers: threads, local: { PlainWorkspace(network) }) {
                (index, workspace: inout PlainWorkspace?) throws(BenchError) -> Float in
                guard let workspace else { throw BenchError(file: nil, what: "the plain C pipeline could not allocate its buffers") }
                return try workspace.score(slices[index])
            }
        }
        return (measurement, logits)
    }
}

/// One thread's C workspace and file buffer, reused for every slice the thread scores.
private final class PlainWorkspace {
    private let network: PlainNetwork
    private let workspace: OpaquePointer
    private var bytes: [UInt8] = []

    init?(_ network: PlainNetwork) {
        guard let workspace = baseline_workspace_create(network.model, 4096 * 4096) else { return nil }
        self.network = network
        self.workspace = workspace
    }

    deinit {
        baseline_workspace_destroy(workspace)
    }

    func score(_ slice: PlainPipelineBound.Slice) throws(BenchError) -> Float {
        try BoundRate.read(slice.path, into: &bytes)
        var logit: Float = .nan
        let samples = try slice.dicomSamples(in: bytes)
        let status = bytes.withUnsafeBufferPointer { file in
            if let samples, let size = slice.dicomSize {
                baseline_score_samples(network.model, workspace, file.baseAddress! + samples.lowerBound, UInt32(size.width),
                                       UInt32(size.height), slice.slope, slice.intercept, &logit)
            } else {
                baseline_score_slice(network.model, workspace, file.baseAddress, file.count, slice.slope, slice.intercept, &logit)
            }
        }
        guard status == 0 else { throw BenchError(file: slice.path, what: "the plain C pipeline could not decode it") }
        return logit
    }
}

/// The model as the C pipeline reads it: its layers, with pointers into one block that holds every
/// weight and bias, owned here for as long as the C code uses them.
private final class PlainNetwork: @unchecked Sendable {
    /// Read-only once built: threads share it.
    let model: UnsafeMutablePointer<baseline_model>
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
        self.model = .allocate(capacity: 1)
        self.model.initialize(to: baseline_model(
            height: input.height, width: input.width, clip_min: input.clipMin, clip_max: input.clipMax, scale: input.scale,
            offset: input.offset, layers: UnsafePointer(layers.baseAddress!), layer_count: source.count))
        self.layers = layers
        self.parameters = parameters
    }

    deinit {
        model.deallocate()
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
