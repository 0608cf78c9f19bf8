import Foundation
import RunState
import Scoring
import TriageCore

/// What a stored result must match to be reused instead of scoring the study again: the same inputs
/// (fingerprint), the same model weights, and the same tool version. The configuration is not part of
/// it: it only weighs and groups results, and ranking is redone from the stored results on every run.
struct ScoringKey {
    var toolVersion: String
    var modelId: String
    var weightsSHA256: String

    init(model: ScoringModel) {
        toolVersion = RadtriageVersion.current
        modelId = model.id
        weightsSHA256 = model.weightsSHA256
    }

    func isReusable(_ record: StudyRecord, fingerprint: StudyFingerprint?) -> Bool {
        guard let fingerprint else { return false }
        return record.fingerprint == fingerprint.digest && record.toolVersion == toolVersion && record.modelId == modelId
            && record.weightsSHA256 == weightsSHA256 && record.resultVersion == StudyOutcome.formatVersion
    }
}

extension StudyRecord {
    /// The state's row for a study just scored. The outcome is kept as JSON without the per-slice logits,
    /// which go to their own column as raw float32 so that runs need not decode them.
    init(_ outcome: StudyOutcome, folder: String, fingerprint: StudyFingerprint?, key: ScoringKey, runId: String, at date: Date,
         seconds: Double) throws {
        var compact = outcome
        var sliceLogits: [Float] = []
        var thumbnail: [UInt8]?
        var probability: Double?
        let studyId: String?
        var failure: StudyFailure?
        switch outcome {
        case .scored(var result):
            (studyId, probability, sliceLogits, thumbnail) = (result.studyId, result.probability, result.sliceLogits, result.thumbnailPNG)
            result.sliceLogits = []
            compact = .scored(result)
        case .failed(let failed):
            (studyId, failure) = (failed.studyId, failed)
        }
        self.init(
            folder: folder, studyId: studyId, fingerprint: fingerprint?.digest ?? "", fileCount: fingerprint?.fileCount ?? 0,
            toolVersion: key.toolVersion, modelId: key.modelId, weightsSHA256: key.weightsSHA256, status: failure == nil ? .scored : .failed,
            probability: probability, reason: failure?.reason, slices: sliceLogits.count, outcome: try Self.encoder.encode(compact),
            resultVersion: StudyOutcome.formatVersion, thumbnail: thumbnail.map { Data($0) }, sliceLogits: sliceLogits.isEmpty ? nil : sliceLogits.withUnsafeBytes { Data($0) },
            runId: runId, scoredAt: date, lastSeenAt: date, seconds: seconds)
    }

    /// The outcome as stored (slice logits left out), with its thumbnail.
    func decodedOutcome() throws -> StudyOutcome {
        let outcome = try JSONDecoder().decode(StudyOutcome.self, from: self.outcome)
        guard case .scored(var result) = outcome else { return outcome }
        result.thumbnailPNG = thumbnail.map { [UInt8]($0) }
        return .scored(result)
    }

    private static let encoder = JSONFormat.compact()
}
