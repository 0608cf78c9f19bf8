import Foundation
import Evidence
import Quantification
import StudyFormat
import TriageCore

/// Keeps numbers that single-precision arithmetic cannot hold away from scoring, the state and the JSON
/// encoder: a sidecar's values are finite doubles, but stored × slope + intercept (× the SUV factor)
/// can still exceed a `Float`, and an infinite SUV would otherwise surface as a failed write of the
/// whole run instead of a failed study.
enum FiniteValues {
    /// The first slice whose stored values 0 … 65535 do not map to finite single-precision values, as
    /// the problem to report: the sidecar, the rescale field and its value.
    static func mapProblem(_ map: AffineSliceMap, series: Series, study: Study, quantity: String) -> InputProblem? {
        let limit = Double(Float.greatestFiniteMagnitude)
        for (index, (scale, offset)) in zip(map.scales, map.offsets).enumerated() {
            let extremes = [offset, scale * Double(UInt16.max) + offset]
            guard extremes.contains(where: { !$0.isFinite || abs($0) > limit }) else { continue }
            let slice = series.slices[index]
            let scaleTooLarge = !(abs(scale * Double(UInt16.max)) <= limit)
            let field = scaleTooLarge ? "rescaleSlope" : "rescaleIntercept"
            let value = scaleTooLarge ? slice.rescaleSlope : slice.rescaleIntercept
            return InputProblem(
                file: study.sidecarPath, field: "\(series.jsonPath).\(field)", value: "\(value)",
                message: "slice \(slice.fileName): stored values map to \(quantity) beyond ±\(Float.greatestFiniteMagnitude) "
                    + "(the largest single-precision value); check rescaleSlope and rescaleIntercept")
        }
        return nil
    }

    /// The first non-finite number among what a scored study reports, named, or nil when all are finite.
    static func firstNonFinite(probability: Double, logits: [Float], evidence: VolumeEvidence?) -> String? {
        if !probability.isFinite { return "model probability = \(probability)" }
        if let index = logits.firstIndex(where: { !$0.isFinite }) { return "slice \(index) logit = \(logits[index])" }
        guard let evidence else { return nil }
        let named: [(String, Double)] = [
            ("SUVmax", evidence.suvMax), ("SUVpeak", evidence.suvPeak), ("hot volume (mL)", evidence.hotVolumeMl),
        ] + evidence.suvMaxPositionMm.components.map { ("SUVmax position (mm)", $0) }
        return named.first { !$0.1.isFinite }.map { "\($0.0) = \($0.1)" }
    }
}

/// Values that are finite and computable but not physiological or not a PET acquisition: scored, and
/// flagged for the reader on the worklist.
enum Plausibility {
    /// Above any SUV a patient shows (tumours and the bladder under FDG or PSMA tracers stay well below).
    static let maxSUV = 1000.0
    /// Smaller slices are thumbnails or test images, not a reconstruction.
    static let minSlicePixels = 16

    static func flags(evidence: VolumeEvidence?, width: Int, height: Int, series: Series, study: Study) -> [InputProblem] {
        var flags: [InputProblem] = []
        if let evidence, evidence.suvMax > maxSUV {
            flags.append(InputProblem(.warning, file: study.sidecarPath, field: "\(series.jsonPath).rescaleSlope", value: String(format: "SUVmax %.3g", evidence.suvMax),
                                      message: "implausible SUVmax (above \(Int(maxSUV))): check the rescale slope, the injected activity and the weight"))
        }
        if width > 0, width < minSlicePixels || height < minSlicePixels {
            flags.append(InputProblem(.warning, file: study.sidecarPath, field: series.jsonPath, value: "\(width) × \(height)",
                                      message: "implausibly small slices (under \(minSlicePixels) × \(minSlicePixels) pixels)"))
        }
        return flags
    }
}
