import Dispatch
import Scoring

/// Times sgemm calls on 64-byte-aligned buffers, the way the engine calls it: the compute bound that
/// throughput figures are compared with (`radtriage bench`, Benchmarks/).
public enum GEMMTiming {
    /// Median seconds per call of C[m × n] = A[m × k] · B[k × n] over `rounds` rounds of `calls` calls,
    /// with `blasThreads` OpenBLAS threads (one, as the engine runs it, unless measuring that policy).
    /// Leaves OpenBLAS at one thread.
    public static func secondsPerCall(m: Int, n: Int, k: Int, calls: Int = 20, rounds: Int = 5, blasThreads: Int = 1) -> Double {
        BLASThreads.set(blasThreads)
        defer { BLASThreads.useOneThreadPerWorker() }
        let call = KernelCalls.GEMM(m: m, n: n, k: k)
        var times: [Double] = []
        for _ in 0..<max(rounds, 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<max(calls, 1) { call.run() }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(max(calls, 1)))
        }
        return times.sorted()[times.count / 2]
    }
}
