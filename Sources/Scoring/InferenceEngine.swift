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
    /// Output positions per GEMM for a layer whose im2col rows are `k` long. About 4096 positions ran
    /// fastest for conv-shaped GEMMs on this machine (larger was slower, shared/performance.md); the
    /// im2col block, k × positions floats, is also capped at `chunkFloats` so that it stays in the
    /// 1 MiB L2 cache between being written and being read by the GEMM.
    public static func positionsPerChunk(k: Int, chunkFloats: Int = InferenceEngine.chunkFloats) -> Int {
        let fitting = chunkFloats / max(k, 1)
        var positions = 256
        while positions * 2 <= min(fitting, 4096) { positions *= 2 }
        return positions
    }

    /// Slices per forward pass, chosen by measurement in the pipeline, where decoding, SUV and evidence
    /// share the caches with the model. `radtriage score` over 600 slices, best of six alternating runs:
    /// default model, batch 1 0.44 s, 2 0.48, 4 0.53; the 42.5 MFLOP reference-cost model 0.67, 0.69,
    /// 0.73. `radtriage run` over 8 × 300 slices (four alternating runs each) was as fast or faster with
    /// 1 than with 4 at 1 and 2 jobs and with inference lanes. A batch's activations are [C][B][H][W]:
    /// with one slice, each layer's output stays in the 1 MiB L2 cache for the next; and since GEMMs run
    /// per slice anyway (see `convolve`), larger batches have little to amortise.
    public static let preferredBatch = 1

    /// The im2col block's size limit in floats (256 Ki floats: the 1 MiB L2 cache).
    public static let chunkFloats = 262_144

    private let input: AlignedBuffer
    private let ping: AlignedBuffer
    private let pong: AlignedBuffer
    private let columns: AlignedBuffer
    /// A multi-channel batch rearranged from its slots ([B][C][H][W]) into the layers' [C][B][H][W].
    private let staged: AlignedBuffer?
    /// Convolutions followed by a ReLU: the ReLU is applied with the bias, in the same pass.
    private let fusedReLU: Set<Int>

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
        columns = AlignedBuffer(count: max(maxK * max(4096, maxBatch), 1))
        staged = model.inputShape.channels > 1 && maxBatch > 1 ? AlignedBuffer(count: model.inputShape.count * maxBatch) : nil
        fusedReLU = Set(model.layers.indices.filter { index in
            guard case .convolution = model.layers[index], index + 1 < model.layers.count, case .relu = model.layers[index + 1] else { return false }
            return true
        })
    }

    /// The input of slice `index` of the next batch: channels × height × width values, already normalised.
    public func inputSlice(_ index: Int) -> UnsafeMutableBufferPointer<Float> {
        precondition(index >= 0 && index < maxBatch, "slice index outside the batch")
        let count = model.inputShape.count
        return UnsafeMutableBufferPointer(start: input.pointer + index * count, count: count)
    }

    /// Runs input slices `firstSlot ..< firstSlot + batch` through the network; returns one logit per
    /// slice. While it runs, another thread may fill input slots outside that range (the next batch).
    public func run(batch: Int, firstSlot: Int = 0) -> [Float] {
        run(batch: batch, firstSlot: firstSlot) { _, _ in }
    }

    /// The same, showing each layer's output ([C][B][H][W]) to `observe`: the reference tests compare
    /// every layer, not only the end.
    public func run(batch: Int, firstSlot: Int = 0, observe: (Int, UnsafeBufferPointer<Float>) -> Void) -> [Float] {
        precondition(batch > 0 && firstSlot >= 0 && firstSlot + batch <= maxBatch, "batch must lie within 0..<\(maxBatch)")
        // Slots are [B][C][H][W]; with one channel (or one slice) that is already the layers' [C][B][H][W].
        var source = input.pointer + firstSlot * model.inputShape.count
        if let staged, batch > 1 {
            let plane = model.inputShape.height * model.inputShape.width
            let channels = model.inputShape.channels
            for slot in 0..<batch {
                for channel in 0..<channels {
                    (staged.pointer + (channel * batch + slot) * plane).update(from: source + (slot * channels + channel) * plane, count: plane)
                }
            }
            source = staged.pointer
        }
        var target = ping.pointer
        for (index, layer) in model.layers.enumerated() {
            let (inShape, outShape) = model.shapes[index]
            let count = outShape.count * batch
            var inPlace = false
            switch layer {
            case .convolution(let conv):
                convolve(conv, from: source, shape: inShape, to: target, output: outShape, batch: batch,
                         thenReLU: fusedReLU.contains(index))
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
                // Elementwise layers work in place; a ReLU right after a convolution was already applied there.
                inPlace = true
                if !fusedReLU.contains(index - 1) {
                    for i in 0..<count { source[i] = max(source[i], 0) }
                }
            case .sigmoid:
                inPlace = true
                for i in 0..<count { source[i] = 1 / (1 + expf(-source[i])) }
            }
            if !inPlace {
                source = target
                target = target == ping.pointer ? pong.pointer : ping.pointer
            }
            observe(index, UnsafeBufferPointer(start: source, count: count))
        }
        // The network ends in one value per slice: [1][B][1][1].
        return Array(UnsafeBufferPointer(start: source, count: batch))
    }

    // MARK: - Layers

    private func convolve(
        _ conv: PlannedLayer.Convolution, from source: UnsafeMutablePointer<Float>, shape: ActivationShape,
        to target: UnsafeMutablePointer<Float>, output: ActivationShape, batch: Int, thenReLU: Bool
    ) {
        let k = shape.channels * conv.kernel.height * conv.kernel.width
        let plane = output.height * output.width
        let positions = batch * plane
        if SingleChannel3x3.applies(inputChannels: shape.channels, kernel: conv.kernel, stride: conv.stride, padding: conv.padding,
                                    width: shape.width) {
            conv.weights.withUnsafeBufferPointer { weights in
                conv.bias.withUnsafeBufferPointer { bias in
                    for slice in 0..<batch {
                        SingleChannel3x3.run(
                            input: source + slice * plane, height: shape.height, width: shape.width, weights: weights.baseAddress!,
                            bias: bias.baseAddress!, channels: output.channels, output: target + slice * plane,
                            channelStride: positions, relu: thenReLU)
                    }
                }
            }
            return
        }
        let chunk = Self.positionsPerChunk(k: k)
        // GEMM calls cover chunks of one slice's positions: OpenBLAS rounds an output column
        // differently depending on where it falls in its tiles, so chunks that mixed slices would make
        // a slice's score depend on its batch neighbours. A 128 × 128 slice alone gives full chunks.
        conv.weights.withUnsafeBufferPointer { weights in
            for slice in 0..<batch {
                var start = 0
                while start < plane {
                    let count = min(chunk, plane - start)
                    let first = slice * plane + start
                    Im2col.fill(
                        columns.pointer, rowStride: count, from: source, shape: shape, batch: batch, output: output,
                        kernel: conv.kernel, stride: conv.stride, padding: conv.padding, columns: first..<(first + count))
                    // C starts as the bias and the GEMM accumulates onto it (β = 1): no separate pass to
                    // zero C, which OpenBLAS would otherwise make for β = 0, and none to add the bias.
                    for channel in 0..<output.channels {
                        (target + channel * positions + first).update(repeating: conv.bias[channel], count: count)
                    }
                    gemm(m: output.channels, n: count, k: k, a: weights.baseAddress!, lda: k, b: columns.pointer, ldb: count,
                         c: target + first, ldc: positions, accumulate: true)
                    if thenReLU {
                        for channel in 0..<output.channels {
                            let row = target + channel * positions + first
                            for i in 0..<count { row[i] = row[i] > 0 ? row[i] : 0 }
                        }
                    }
                    start += count
                }
            }
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
        let twoByTwo = maximum && pooling.kernel == (2, 2) && pooling.stride == (2, 2)
        let area = Float(pooling.kernel.height * pooling.kernel.width)
        for plane in 0..<planes {
            let input = source + plane * shape.height * shape.width
            let out = target + plane * output.height * output.width
            for oy in 0..<output.height {
                let outRow = out + oy * output.width
                if twoByTwo {
                    PoolingKernels.maxPool2x2Row(top: input + 2 * oy * shape.width, width: output.width, into: outRow, inputWidth: shape.width)
                    continue
                }
                for ox in 0..<output.width {
                    var accumulator: Float = maximum ? -.infinity : 0
                    for ky in 0..<pooling.kernel.height {
                        let row = input + (oy * pooling.stride.height + ky) * shape.width + ox * pooling.stride.width
                        for kx in 0..<pooling.kernel.width {
                            accumulator = maximum ? max(accumulator, row[kx]) : accumulator + row[kx]
                        }
                    }
                    outRow[ox] = maximum ? accumulator : accumulator / area
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
            let values = source + index * plane
            var accumulator: Float = maximum ? -.infinity : 0
            if maximum {
                accumulator = PoolingKernels.maximum(values, count: plane)
            } else {
                for i in 0..<plane { accumulator += values[i] }
            }
            target[index] = maximum ? accumulator : accumulator / Float(plane)
        }
    }
}
