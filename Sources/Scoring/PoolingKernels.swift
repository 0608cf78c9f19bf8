/// The 2 × 2, stride 2 max pooling that most CNNs use, written with SIMD types so that it compiles to
/// vector loads and maxima (the plain loop over even and odd columns did not vectorise).
enum PoolingKernels {
    /// One output row of 2 × 2, stride 2 max pooling, eight outputs at a time.
    @inline(__always)
    static func maxPool2x2Row(top: UnsafePointer<Float>, width: Int, into output: UnsafeMutablePointer<Float>, inputWidth: Int) {
        let bottom = top + inputWidth
        var x = 0
        while x + 8 <= width {
            let upper = UnsafeRawPointer(top + 2 * x).loadUnaligned(as: SIMD16<Float>.self)
            let lower = UnsafeRawPointer(bottom + 2 * x).loadUnaligned(as: SIMD16<Float>.self)
            let m = larger(larger(upper.evenHalf, upper.oddHalf), larger(lower.evenHalf, lower.oddHalf))
            UnsafeMutableRawPointer(output + x).storeBytes(of: m, as: SIMD8<Float>.self)
            x += 8
        }
        while x < width {
            let a = max(top[2 * x], top[2 * x + 1]), b = max(bottom[2 * x], bottom[2 * x + 1])
            output[x] = max(a, b)
            x += 1
        }
    }

    /// Lane-wise maximum, written so that it compiles to one vector max (the generic pointwiseMax
    /// was not inlined).
    @inline(__always)
    static func larger(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        a.replacing(with: b, where: b .> a)
    }
}
