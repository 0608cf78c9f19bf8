import Dispatch

/// Times single-threaded sgemm calls on 64-byte-aligned buffers, the way the engine calls it: the
/// compute bound that throughput figures are compared with (`radtriage bench`, Benchmarks/).
public enum GEMMTiming {
    /// Median seconds per call of C[m × n] = A[m × k] · B[k × n] over `rounds` rounds of `calls` calls.
    public static func secondsPerCall(m: Int, n: Int, k: Int, calls: Int = 20, rounds: Int = 5) -> Double {
        BLASThreads.useOneThreadPerWorker()
        let a = AlignedBuffer(count: m * k), b = AlignedBuffer(count: k * n), c = AlignedBuffer(count: m * n)
        for i in 0..<a.count { a.pointer[i] = Float(i % 7) * 0.01 }
        for i in 0..<b.count { b.pointer[i] = Float(i % 5) * 0.02 }
        var times: [Double] = []
        for _ in 0..<max(rounds, 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<max(calls, 1) {
                gemm(m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: n, c: c.pointer, ldc: n)
            }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(max(calls, 1)))
        }
        return times.sorted()[times.count / 2]
    }
}
