import Evidence
import Foundation
import Quantification
import Scoring
import TriageCore

/// What the worklist needs to know of a study besides its score: who, where, how urgent, since when.
public struct StudyMetadata: Sendable, Codable, Equatable {
    public var studyId: String
    public var accessionNumber: String?
    public var patientId: String?
    public var site: String?
    public var organCentre: String?
    public var orderedPriority: OrderedPriority
    public var received: Date?
    public var acquired: Date?

    public init(_ study: Study) {
        studyId = study.identity.studyId
        accessionNumber = study.identity.accessionNumber
        patientId = study.identity.patientId
        site = study.context.site
        organCentre = study.context.organCentre
        orderedPriority = study.context.orderedPriority
        received = study.context.received
        acquired = study.context.acquired
    }
}

/// What scoring one study produced: the model's probability, the slices that drove it, the
/// quantitative evidence, and the record of how SUV was computed.
public struct StudyScoringResult: Sendable, Codable {
    public struct KeySlice: Sendable, Codable, Equatable {
        /// Zero-based index in the series' reading order.
        public var index: Int
        public var file: String
        public var logit: Float
    }

    /// Seconds spent per stage, summed over the study's slices.
    public struct StageTimings: Sendable, Codable, Equatable {
        public var decodeSeconds: Double = 0
        /// Stored values → SUV, evidence, resampling to the model grid.
        public var quantifySeconds: Double = 0
        public var modelSeconds: Double = 0

        static func += (total: inout StageTimings, more: StageTimings) {
            total.decodeSeconds += more.decodeSeconds
            total.quantifySeconds += more.quantifySeconds
            total.modelSeconds += more.modelSeconds
        }
    }

    public var studyId: String
    public var path: String
    public var metadata: StudyMetadata
    public var series: String
    public var modelId: String
    public var weightsSHA256: String
    public var probability: Double
    public var logit: Double
    public var keySlices: [KeySlice]
    /// Every slice's logit in reading order, so that others can check the engine.
    public var sliceLogits: [Float]
    /// SUVmax, SUVpeak and hot volume: for models that read SUV (nil for a CT model).
    public var evidence: VolumeEvidence?
    public var suvProvenance: SUVProvenance?
    /// QC flags that did not stop scoring.
    public var warnings: [InputProblem]
    public var timings: StageTimings
    /// A coronal MIP thumbnail (PNG) with SUVmax marked, for the worklist page; not in the JSON.
    public var thumbnailPNG: [UInt8]?

    enum CodingKeys: String, CodingKey {
        case studyId, path, metadata, series, modelId, weightsSHA256, probability, logit, keySlices, sliceLogits, evidence,
             suvProvenance, warnings, timings
    }
}

/// A study that could not be scored, with every problem found.
public struct StudyFailure: Error, Sendable, Codable, CustomStringConvertible {
    public var path: String
    public var studyId: String?
    /// Present when the sidecar could be read: a failed study still ranks by priority and waiting time.
    public var metadata: StudyMetadata?
    public var problems: [InputProblem]

    public var errors: [InputProblem] { problems.filter { $0.severity == .error } }

    /// The first error, as the worklist's one-line reason.
    public var reason: String { errors.first?.description ?? "unknown failure" }
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// A study's fate: per-study failures are data, so one bad study never stops the others.
public enum StudyOutcome: Sendable, Codable {
    case scored(StudyScoringResult)
    case failed(StudyFailure)
}
