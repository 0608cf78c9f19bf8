import COpenBLAS
import Glibc

/// C = A·B (+ C when `accumulate`), row-major, through OpenBLAS `cblas_sgemm`.
/// A is m×k with row stride `lda`, B is k×n with row stride `ldb`, C is m×n with row stride `ldc`.
/// The one place that calls BLAS for matrix products.
@inline(__always)
package func gemm(
    m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false
) {
    guard m > 0, n > 0 else { return }
    guard let m32 = Int32(exactly: m), let n32 = Int32(exactly: n), let k32 = Int32(exactly: k),
          let lda32 = Int32(exactly: lda), let ldb32 = Int32(exactly: ldb), let ldc32 = Int32(exactly: ldc)
    else { preconditionFailure("matrix too large for BLAS 32-bit dimensions") }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m32, n32, k32, 1, a, lda32, b, ldb32, accumulate ? 1 : 0, c, ldc32)
}

/// OpenBLAS thread policy. Each worker runs its own engine on its own slices; OpenBLAS's own thread
/// pool on top of that would oversubscribe the cores, and on these small conv-shaped GEMMs two BLAS
/// threads were erratic and often slower than one (shared/performance.md). So BLAS runs single-threaded
/// and the pipeline parallelises over slices and studies.
public enum BLASThreads {
    public static func useOneThreadPerWorker() {
        openblas_set_num_threads(1)
        _ = idlePoolStopped
    }

    /// OpenBLAS (the pthreads build Debian ships) starts its thread pool when the library loads, and an
    /// idle pool thread spins in sched_yield for about 0.1 s before it sleeps. With one thread per
    /// worker the pool is never used, yet on 2 cores that spin took one core for the whole of a cron
    /// run with nothing to score (median 86 against 78 ms without the pool). So the pool is shut down,
    /// once, through the function OpenBLAS's own fork handler calls; OpenBLAS starts it again if a
    /// later call asks for more threads (`radtriage bench` measuring the policy). Builds without that
    /// function (OpenMP, serial) have no such pool.
    private static let idlePoolStopped: Void = {
        guard let symbol = dlsym(nil, "blas_thread_shutdown_") else { return }
        _ = unsafeBitCast(symbol, to: (@convention(c) () -> Int32).self)()
    }()

    /// For measuring the policy (`radtriage bench`); the engine itself always uses one.
    public static func set(_ threads: Int) {
        openblas_set_num_threads(Int32(max(1, threads)))
    }

    public static var current: Int { Int(openblas_get_num_threads()) }
}
