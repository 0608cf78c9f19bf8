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

    /// The largest of `count` values, eight lanes at a time (a scalar `max` loop does not vectorise:
    /// without fast-math the compiler must keep its order).
    static func maximum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>(repeating: -.infinity)
        var index = 0
        if Int(bitPattern: values) % MemoryLayout<SIMD8<Float>>.alignment == 0 {
            // Aligned, as the engine's planes are: whole vectors, which compile to plain vector loads.
            let vectors = count / 8
            values.withMemoryRebound(to: SIMD8<Float>.self, capacity: vectors) { vector in
                for i in 0..<vectors { lanes = larger(lanes, vector[i]) }
            }
            index = vectors * 8
        }
        var result = lanes.max()
        while index < count {
            result = max(result, values[index])
            index += 1
        }
        return result
    }
}
