/// SplitMix64: a small, fast, well-mixed generator whose whole state is one integer, so that every
/// slice gets its own stream from (seed, study, series, slice) and the output does not depend on
/// how slices are spread over threads. (Steele, Lea, Flood: "Fast splittable pseudorandom number
/// generators", OOPSLA 2014.)
struct RandomSource: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64, _ keys: UInt64...) {
        var state = seed
        for key in keys { state = Self.mix(state ^ (key &* 0x9E37_79B9_7F4A_7C15)) }
        self.state = state
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `range`.
    mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * Double(next() >> 11) * 0x1.0p-53
    }

    mutating func chance(_ probability: Double) -> Bool {
        uniform(0...1) < probability
    }

    /// An approximately normal deviate from one draw: the sum of four 16-bit uniforms (Irwin–Hall),
    /// centred and scaled to unit variance. Tails stop at ±3.46 σ, which a phantom's noise can afford,
    /// and it is several times cheaper than Box–Muller on 65,536 pixels per slice.
    mutating func approximatelyNormal() -> Float {
        let bits = next()
        let sum = (bits & 0xFFFF) + ((bits >> 16) & 0xFFFF) + ((bits >> 32) & 0xFFFF) + (bits >> 48)
        // Each uniform has mean 32767.5 and variance 65536² / 12; four have variance 65536² / 3.
        return (Float(sum) - 131_070) * (1.7320508 / 65536)
    }
}
