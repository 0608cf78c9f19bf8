import BenchKernels
import Scoring

/// The compute bound: one thread of plain `cblas_sgemm` at the model's own GEMM shapes, with nothing
/// else (no im2col, bias, pooling). Its slices per second are what the model's convolutions would
/// reach if the GEMMs were all there was.
public enum GEMMBound {
    public struct Measurement: Codable, Sendable {
        /// GEMM seconds per slice: the sum over the model's GEMM calls for one slice.
        public var secondsPerSlice: Double
        public var flopPerSlice: Double
        public var slicesPerSecond: Double { 1 / max(secondsPerSlice, 1e-12) }
        public var gflops: Double { flopPerSlice / max(secondsPerSlice, 1e-12) / 1e9 }
    }

    /// With `blasThreads` > 1: the same GEMMs with OpenBLAS's own threads, to check the policy of one
    /// BLAS thread per worker against letting OpenBLAS split each GEMM.
    public static func measure(model: ScoringModel, blasThreads: Int = 1) -> Measurement {
        var seconds = 0.0, flop = 0.0
        for shape in model.gemmShapes {
            seconds += GEMMTiming.secondsPerCall(m: shape.m, n: shape.n, k: shape.k, blasThreads: blasThreads)
            flop += 2 * Double(shape.m) * Double(shape.n) * Double(shape.k)
        }
        return Measurement(secondsPerSlice: seconds, flopPerSlice: flop)
    }
}
