import Foundation

/// A small, fast generator (SplitMix64) so that a seed gives the same simulation on every machine and
/// Swift version; the standard library's generator is neither seedable nor stable across releases.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in (0, 1): never 0, so that logarithms of it are finite.
    public mutating func unit() -> Double {
        (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992
    }

    public mutating func exponential(mean: Double) -> Double {
        -mean * Foundation.log(unit())
    }

    /// Standard normal (Box–Muller; one of the pair is dropped to keep the generator's state simple).
    public mutating func normal() -> Double {
        (-2 * Foundation.log(unit())).squareRoot() * cos(2 * Double.pi * unit())
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool {
        unit() < p
    }

    /// An index drawn with the given weights (which need not add up to 1).
    public mutating func pick(weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var u = unit() * total
        for (index, weight) in weights.enumerated() {
            if u < weight { return index }
            u -= weight
        }
        return weights.count - 1
    }
}
