import Scoring

/// Single engine kernels at a real shape, on their own aligned buffers, for benchmarks
/// (`radtriage bench`, Benchmarks/) that time them outside a forward pass.
public enum KernelCalls {
    /// One `cblas_sgemm` call C[m × n] = A[m × k] · B[k × n], as the engine makes it.
    public final class GEMM {
        public let m: Int, n: Int, k: Int
        private let a: AlignedBuffer, b: AlignedBuffer, c: AlignedBuffer

        public init(m: Int, n: Int, k: Int) {
            (self.m, self.n, self.k) = (m, n, k)
            a = AlignedBuffer(count: m * k)
            b = AlignedBuffer(count: k * n)
            c = AlignedBuffer(count: m * n)
            for i in 0..<a.count { a.pointer[i] = Float(i % 7) * 0.01 }
            for i in 0..<b.count { b.pointer[i] = Float(i % 5) * 0.02 }
        }

        public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }

        public func run() {
            gemm(m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: n, c: c.pointer, ldc: n)
        }
    }

    /// The im2col of one slice's first GEMM chunk for convolution layer `layer` of a model.
    public final class Im2colFill {
        private let shape: ActivationShape, output: ActivationShape
        private let kernel: (height: Int, width: Int), stride: (height: Int, width: Int), padding: (height: Int, width: Int)
        private let source: AlignedBuffer, columns: AlignedBuffer
        public let positions: Int
        public let rows: Int

        /// Nil when `layer` is not a convolution computed through im2col.
        public init?(model: ScoringModel, layer: Int) {
            guard layer < model.layers.count, case .convolution(let conv) = model.layers[layer] else { return nil }
            (shape, output) = model.shapes[layer]
            (kernel, stride, padding) = (conv.kernel, conv.stride, conv.padding)
            guard !SingleChannel3x3.applies(inputChannels: shape.channels, kernel: kernel, stride: stride, padding: padding, width: shape.width)
            else { return nil }
            rows = shape.channels * kernel.height * kernel.width
            positions = min(InferenceEngine.positionsPerChunk(k: rows), output.height * output.width)
            source = AlignedBuffer(count: shape.count)
            columns = AlignedBuffer(count: rows * positions)
            for i in 0..<source.count { source.pointer[i] = Float(i % 11) * 0.1 }
        }

        public func run() {
            Im2col.fill(columns.pointer, rowStride: positions, from: source.pointer, shape: shape, batch: 1, output: output,
                        kernel: kernel, stride: stride, padding: padding, columns: 0..<positions)
        }
    }
}
