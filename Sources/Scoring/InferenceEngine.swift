import Glibc

/// Runs a model's forward pass over batches of slices. One engine per worker: it owns 64-byte-aligned
/// buffers sized once for the model and the largest batch, so scoring allocates nothing per slice.
///
/// Activations are stored channel-major across the batch, [C][B][H][W]: a convolution is
/// Out[C_out × B·H·W] = W[C_out × K] · Col[K × B·H·W], computed in GEMMs over chunks of up to 4096 of one
/// slice's output positions, and its output is already in the layout the next layer reads. A batch
/// amortises the per-layer work and keeps one set of buffers hot; a slice's result does not depend on
/// the batch it is in. Not thread-safe: one engine, one worker.
public final class InferenceEngine {
    public let model: ScoringModel
    public let maxBatch: Int
    /// Output positions per GEMM: chunks of about 4096 columns ran fastest for conv-shaped GEMMs on
    /// this machine; larger ones, whose operands spill out of the 1 MiB L2 cache, were slower
    /// (shared/performance.md).
    public static let positionsPerChunk = 4096

    private let input: AlignedBuffer
    private let ping: AlignedBuffer
    private let pong: AlignedBuffer
    private let columns: AlignedBuffer
    private let logits: AlignedBuffer

    public init(model: ScoringModel, maxBatch: Int) {
        precondition(maxBatch > 0, "batch size must be positive")
        self.model = model
        self.maxBatch = maxBatch
        BLASThreads.useOneThreadPerWorker()
        let largest = model.shapes.map { max($0.input.count, $0.output.count) }.max() ?? 1
        let maxK = model.layers.enumerated().map { index, layer -> Int in
            switch layer {
            case .convolution(let conv): model.shapes[index].input.channels * conv.kernel.height * conv.kernel.width
            case .dense: model.shapes[index].input.count
            default: 0
            }
        }.max() ?? 0
        input = AlignedBuffer(count: model.inputShape.count * maxBatch)
        ping = AlignedBuffer(count: largest * maxBatch)
        pong = AlignedBuffer(count: largest * maxBatch)
        columns = AlignedBuffer(count: max(maxK * max(Self.positionsPerChunk, maxBatch), 1))
        logits = AlignedBuffer(count: maxBatch)
    }

    /// The input of slice `index` of the next batch: height × width values, already normalised.
    public func inputSlice(_ index: Int) -> UnsafeMutableBufferPointer<Float> {
        precondition(index >= 0 && index < maxBatch, "slice index outside the batch")
        let count = model.inputShape.count
        return UnsafeMutableBufferPointer(start: input.pointer + index * count, count: count)
    }

    /// Runs the first `batch` input slices through the network; returns one logit per slice.
    public func run(batch: Int) -> [Float] {
        run(batch: batch) { _, _ in }
    }

    /// The same, showing each layer's output ([C][B][H][W]) to `observe`: the reference tests compare
    /// every layer, not only the end.
    func run(batch: Int, observe: (Int, UnsafeBufferPointer<Float>) -> Void) -> [Float] {
        precondition(batch > 0 && batch <= maxBatch, "batch must be 1...\(maxBatch)")
        var source = input.pointer
        var target = ping.pointer
        for (index, layer) in model.layers.enumerated() {
            let (inShape, outShape) = model.shapes[index]
            switch layer {
            case .convolution(let conv):
                convolve(conv, from: source, shape: inShape, to: target, output: outShape, batch: batch)
            case .dense(let dense):
                fullyConnect(dense, from: source, shape: inShape, to: target, outputs: outShape.channels, batch: batch)
            case .maxPool(let pooling):
                pool(pooling, from: source, shape: inShape, to: target, output: outShape, batch: batch, maximum: true)
            case .averagePool(let pooling):
                pool(pooling, from: source, shape: inShape, to: target, output: outShape, batch: batch, maximum: false)
            case .globalMaxPool:
                globalPool(from: source, shape: inShape, to: target, batch: batch, maximum: true)
            case .globalAveragePool:
                globalPool(from: source, shape: inShape, to: target, batch: batch, maximum: false)
            case .relu:
                for i in 0..<(inShape.count * batch) { target[i] = max(source[i], 0) }
            case .sigmoid:
                for i in 0..<(inShape.count * batch) { target[i] = 1 / (1 + expf(-source[i])) }
            }
            observe(index, UnsafeBufferPointer(start: target, count: outShape.count * batch))
            source = target
            target = target == ping.pointer ? pong.pointer : ping.pointer
        }
        // The network ends in one value per slice: [1][B][1][1].
        return Array(UnsafeBufferPointer(start: source, count: batch))
    }

    // MARK: - Layers

    private func convolve(
        _ conv: PlannedLayer.Convolution, from source: UnsafeMutablePointer<Float>, shape: ActivationShape,
        to target: UnsafeMutablePointer<Float>, output: ActivationShape, batch: Int
    ) {
        let k = shape.channels * conv.kernel.height * conv.kernel.width
        let plane = output.height * output.width
        let positions = batch * plane
        // GEMM calls cover chunks of one slice's positions: OpenBLAS rounds an output column
        // differently depending on where it falls in its tiles, so chunks that mixed slices would make
        // a slice's score depend on its batch neighbours. A 128 × 128 slice alone gives full chunks.
        conv.weights.withUnsafeBufferPointer { weights in
            for slice in 0..<batch {
                var start = 0
                while start < plane {
                    let count = min(Self.positionsPerChunk, plane - start)
                    let first = slice * plane + start
                    Im2col.fill(
                        columns.pointer, rowStride: count, from: source, shape: shape, batch: batch, output: output,
                        kernel: conv.kernel, stride: conv.stride, padding: conv.padding, columns: first..<(first + count))
                    gemm(m: output.channels, n: count, k: k, a: weights.baseAddress!, lda: k, b: columns.pointer, ldb: count,
                         c: target + first, ldc: positions)
                    start += count
                }
            }
        }
        for channel in 0..<output.channels {
            let bias = conv.bias[channel]
            let row = target + channel * positions
            for i in 0..<positions { row[i] += bias }
        }
    }

    /// Dense layers are tiny next to the convolutions, so they run as plain dot products per slice:
    /// BLAS would pick different kernels for different batch sizes, and a slice's score must not
    /// depend on its batch, not even in the last bit.
    private func fullyConnect(
        _ dense: PlannedLayer.Dense, from source: UnsafeMutablePointer<Float>, shape: ActivationShape,
        to target: UnsafeMutablePointer<Float>, outputs: Int, batch: Int
    ) {
        let features = shape.count
        let plane = shape.height * shape.width
        let gathered = columns.pointer
        dense.weights.withUnsafeBufferPointer { weights in
            for b in 0..<batch {
                // This slice's features in PyTorch's flatten order (c, y, x), from the [C][B][H][W] layout.
                for c in 0..<shape.channels {
                    (gathered + c * plane).update(from: source + (c * batch + b) * plane, count: plane)
                }
                for o in 0..<outputs {
                    let row = weights.baseAddress! + o * features
                    var sum: Float = 0
                    for f in 0..<features { sum += row[f] * gathered[f] }
                    target[o * batch + b] = sum + dense.bias[o]
                }
            }
        }
    }

    private func pool(
        _ pooling: PlannedLayer.Pooling, from source: UnsafeMutablePointer<Float>, shape: ActivationShape,
        to target: UnsafeMutablePointer<Float>, output: ActivationShape, batch: Int, maximum: Bool
    ) {
        let planes = shape.channels * batch
        let area = Float(pooling.kernel.height * pooling.kernel.width)
        for plane in 0..<planes {
            let input = source + plane * shape.height * shape.width
            let out = target + plane * output.height * output.width
            for oy in 0..<output.height {
                for ox in 0..<output.width {
                    var accumulator: Float = maximum ? -.infinity : 0
                    for ky in 0..<pooling.kernel.height {
                        let row = input + (oy * pooling.stride.height + ky) * shape.width + ox * pooling.stride.width
                        for kx in 0..<pooling.kernel.width {
                            accumulator = maximum ? max(accumulator, row[kx]) : accumulator + row[kx]
                        }
                    }
                    out[oy * output.width + ox] = maximum ? accumulator : accumulator / area
                }
            }
        }
    }

    private func globalPool(
        from source: UnsafeMutablePointer<Float>, shape: ActivationShape, to target: UnsafeMutablePointer<Float>,
        batch: Int, maximum: Bool
    ) {
        let plane = shape.height * shape.width
        for index in 0..<(shape.channels * batch) {
            let values = UnsafeBufferPointer(start: source + index * plane, count: plane)
            target[index] = maximum ? (values.max() ?? 0) : values.reduce(0, +) / Float(plane)
        }
    }
}
