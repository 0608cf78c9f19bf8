import Foundation

/// The out-of-distribution guard: do a run's study probabilities look like the model's validation
/// studies? A model shown data unlike its training often gives nearly every study the same extreme
/// score, and its ranking is then no better than arrival order; a site must hear of it.
///
/// The run's scores are compared with every mixture of the validation scores without and with lesions
/// (lesion shares 0–90 %), so that a run with another share of lesion studies is not taken for a shift:
/// the test statistic is the smallest Kolmogorov–Smirnov distance to such a mixture, against the
/// two-sample critical value at α = 0.001, c·√(1/n + 1/m) with c = 1.95.
public enum ScoreDistributionGuard {
    /// Fewer studies than this say too little to judge.
    public static let minimumStudies = 10
    public static let maximumLesionShare = 0.9
    static let criticalCoefficient = 1.95

    public struct Finding: Sendable, Equatable {
        /// The smallest distance to a validation mixture and the critical value it exceeded.
        public var distance: Double
        public var critical: Double
        public var studies: Int
        public var shareAbove99: Double

        public var message: String {
            "the model's scores on these \(studies) studies look unlike its validation studies "
                + "(Kolmogorov–Smirnov distance \(Self.format(distance)) > \(Self.format(critical)); "
                + "\(Int((shareAbove99 * 100).rounded())) % of studies above 0.99): the studies may differ from what the model was "
                + "trained on, and its ranking may be no better than arrival order"
        }

        private static func format(_ value: Double) -> String { String(format: "%.2f", value) }
    }

    /// Nil when the scores look like validation (or are too few to tell, or the model has no
    /// validation scores).
    public static func check(_ probabilities: [Double], against validation: ModelManifest.ValidationScores?) -> Finding? {
        guard let validation, probabilities.count >= minimumStudies else { return nil }
        let sorted = probabilities.sorted()
        let n = Double(sorted.count)
        var best = Double.infinity
        for step in 0...Int(maximumLesionShare * 50) {
            let share = Double(step) / 50
            var distance = 0.0
            for (index, value) in sorted.enumerated() {
                let mixture = (1 - share) * cdf(value, validation.negativeQuantiles) + share * cdf(value, validation.positiveQuantiles)
                // The empirical distribution steps at each point: compare both sides of the step.
                distance = max(distance, abs(Double(index + 1) / n - mixture), abs(Double(index) / n - mixture))
            }
            best = min(best, distance)
        }
        let m = Double(validation.negativeStudies + validation.positiveStudies)
        let critical = criticalCoefficient * (1 / n + 1 / m).squareRoot()
        guard best > critical else { return nil }
        return Finding(distance: best, critical: critical, studies: sorted.count,
                       shareAbove99: Double(sorted.filter { $0 > 0.99 }.count) / n)
    }

    /// The distribution function given by equally spaced quantiles, linear between them.
    static func cdf(_ value: Double, _ quantiles: [Double]) -> Double {
        guard let first = quantiles.first, let last = quantiles.last else { return 0 }
        if value < first { return 0 }
        if value >= last { return 1 }
        let steps = Double(quantiles.count - 1)
        // The last quantile at or below the value, then linear to the next (equal quantiles: a jump).
        var low = 0
        while low + 1 < quantiles.count, quantiles[low + 1] <= value { low += 1 }
        let high = min(low + 1, quantiles.count - 1)
        let span = quantiles[high] - quantiles[low]
        let fraction = span > 0 ? (value - quantiles[low]) / span : 0
        return (Double(low) + fraction) / steps
    }
}
