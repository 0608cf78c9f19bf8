import Foundation
import Testing
@testable import Scoring

@Suite struct CalibrationAndGuardTests {
    /// The manifest's temperature and bias map the aggregated logit: sigmoid(logit / T + b).
    @Test func calibrationIsAppliedAsTheManifestSays() throws {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("odd-stride2")
        var manifest = try ScoringModel.load(from: folder).manifest
        let logits: [Float] = [0.5, 3, -1, 2]
        let plain = manifest.score(logits)
        #expect(plain.logit == 2.5 && abs(plain.probability - 1 / (1 + exp(-2.5))) < 1e-12)
        manifest.calibration = .init(temperature: 2, bias: -0.5)
        let calibrated = manifest.score(logits)
        #expect(calibrated.logit == 2.5, "the logit and key slices stay the model's")
        #expect(calibrated.keySlices == plain.keySlices)
        #expect(abs(calibrated.probability - 1 / (1 + exp(-(2.5 / 2 - 0.5)))) < 1e-12)
        // With the focal baseline weighed in: + w · ln(1 + contrast); without a weight the contrast is ignored.
        #expect(manifest.score(logits, focalContrast: 9).probability == calibrated.probability)
        manifest.calibration?.focalWeight = 0.8
        let combined = manifest.score(logits, focalContrast: 9)
        #expect(abs(combined.probability - 1 / (1 + exp(-(2.5 / 2 - 0.5 + 0.8 * log(10.0))))) < 1e-12)
        #expect(manifest.score(logits, focalContrast: nil).probability == calibrated.probability)
    }

    @Test func aCalibrationWithoutAPositiveTemperatureIsRefused() throws {
        let source = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("odd-stride2")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-calibration-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: source, to: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        let manifestURL = folder.appendingPathComponent("manifest.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as? [String: Any])
        json["calibration"] = ["temperature": 0]
        try JSONSerialization.data(withJSONObject: json).write(to: manifestURL)
        #expect(throws: ModelLoadingError.self) { try ScoringModel.load(from: folder) }
    }

    /// Validation scores like a calibrated model's: negatives mostly low, positives mostly high.
    static let validation = ModelManifest.ValidationScores(
        negativeQuantiles: (0...20).map { 0.01 + 0.4 * pow(Double($0) / 20, 2) },
        positiveQuantiles: (0...20).map { 0.3 + 0.69 * pow(Double($0) / 20, 0.5) },
        negativeStudies: 40, positiveStudies: 40)

    /// Draws from the validation mixture by its quantiles (inverse distribution function).
    static func draw(_ count: Int, lesionShare: Double, seed: UInt64) -> [Double] {
        var state = seed
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        return (0..<count).map { _ in
            let quantiles = uniform() < lesionShare ? validation.positiveQuantiles : validation.negativeQuantiles
            let position = uniform() * 20
            let low = Int(position)
            let high = min(low + 1, 20)
            return quantiles[low] + (quantiles[high] - quantiles[low]) * (position - Double(low))
        }
    }

    @Test func saturatedScoresWarn() throws {
        let saturated = (0..<30).map { 0.995 + 0.004 * Double($0 % 5) / 5 }
        let finding = try #require(ScoreDistributionGuard.check(saturated, against: Self.validation))
        #expect(finding.shareAbove99 == 1)
        #expect(finding.distance > finding.critical)
        #expect(finding.message.contains("unlike its validation studies"))
        // All the same middling score is just as unlike.
        #expect(ScoreDistributionGuard.check([Double](repeating: 0.5, count: 30), against: Self.validation) != nil)
    }

    @Test func scoresLikeValidationAreSilentWhateverTheShareOfLesions() {
        for (seed, share) in [(1, 0.5), (2, 0.2), (3, 0.8), (4, 0.0)] as [(UInt64, Double)] {
            let run = Self.draw(60, lesionShare: share, seed: seed)
            #expect(ScoreDistributionGuard.check(run, against: Self.validation) == nil, "lesion share \(share)")
        }
    }

    @Test func tooFewStudiesOrNoValidationScoresSaySomethingOnlyWhenTheyCan() {
        #expect(ScoreDistributionGuard.check([0.999, 0.999, 0.999], against: Self.validation) == nil)
        #expect(ScoreDistributionGuard.check([Double](repeating: 0.999, count: 50), against: nil) == nil)
    }

    @Test func theValidationDistributionFunctionInterpolatesItsQuantiles() {
        let quantiles = [0.0, 0.2, 0.4, 0.4, 1.0]
        #expect(ScoreDistributionGuard.cdf(-1, quantiles) == 0)
        #expect(abs(ScoreDistributionGuard.cdf(0.1, quantiles) - 0.125) < 1e-12)
        #expect(ScoreDistributionGuard.cdf(0.4, quantiles) == 0.75, "a repeated quantile is a jump")
        #expect(ScoreDistributionGuard.cdf(1.0, quantiles) == 1)
    }
}
