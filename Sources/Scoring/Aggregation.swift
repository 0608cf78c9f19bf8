import Foundation

/// A study's score from its slices' logits, as the manifest's aggregation says.
public struct StudyScore: Sendable, Equatable, Codable {
    /// The aggregated logit and its sigmoid: the model's probability of an abnormal finding.
    public var logit: Double
    public var probability: Double
    /// The slices that drove the score (the top k by logit, highest first), zero-based.
    public var keySlices: [Int]
}

extension ModelManifest {
    /// The study's score: the aggregation's logit, then the calibration (or the plain sigmoid), with the
    /// focal-uptake baseline's contrast where the calibration weighs it.
    public func score(_ logits: [Float], focalContrast: Double? = nil) -> StudyScore {
        var score = aggregation.score(logits)
        if let calibration, !logits.isEmpty {
            score.probability = calibration.probability(logit: score.logit, focalContrast: focalContrast)
        }
        return score
    }
}

extension ModelManifest.Aggregation {
    public func score(_ logits: [Float]) -> StudyScore {
        guard !logits.isEmpty else { return StudyScore(logit: 0, probability: 0.5, keySlices: []) }
        // Highest first; equal logits keep slice order, so key slices are deterministic.
        let ranked = logits.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
        let k = min(max(self.k ?? 1, 1), logits.count)
        let logit: Double
        switch method {
        case .topKMeanLogit: logit = ranked.prefix(k).map { Double(logits[$0]) }.reduce(0, +) / Double(k)
        case .maxLogit: logit = Double(logits[ranked[0]])
        case .meanLogit: logit = logits.map(Double.init).reduce(0, +) / Double(logits.count)
        }
        return StudyScore(logit: logit, probability: 1 / (1 + exp(-logit)), keySlices: Array(ranked.prefix(k)))
    }
}
