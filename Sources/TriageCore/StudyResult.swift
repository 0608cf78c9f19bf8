import Foundation

/// Who a study is and what the ranking weighs besides the images: the part of a study that every
/// result keeps, scored or failed. Stored flat (`studyId`, `site`, `received`, ...), as release 0.2.0 did.
public struct StudyMetadata: Sendable, Codable, Equatable {
    public var identity: StudyIdentifiers
    public var context: ClinicalContext

    public init(identity: StudyIdentifiers, context: ClinicalContext) {
        self.identity = identity
        self.context = context
    }

    public init(_ study: Study) {
        self.init(identity: study.identity, context: study.context)
    }

    enum CodingKeys: String, CodingKey {
        case studyId, accessionNumber, patientId, site, organCentre, orderedPriority, received, acquired
    }

    public init(from decoder: any Decoder) throws {
        let keys = try decoder.container(keyedBy: CodingKeys.self)
        identity = StudyIdentifiers(
            studyId: try keys.decode(String.self, forKey: .studyId), accessionNumber: try keys.decodeIfPresent(String.self, forKey: .accessionNumber),
            patientId: try keys.decodeIfPresent(String.self, forKey: .patientId))
        context = ClinicalContext(
            site: try keys.decodeIfPresent(String.self, forKey: .site), organCentre: try keys.decodeIfPresent(String.self, forKey: .organCentre),
            orderedPriority: try keys.decode(OrderedPriority.self, forKey: .orderedPriority),
            acquired: try keys.decodeIfPresent(Date.self, forKey: .acquired), received: try keys.decodeIfPresent(Date.self, forKey: .received))
    }

    public func encode(to encoder: any Encoder) throws {
        var keys = encoder.container(keyedBy: CodingKeys.self)
        try keys.encode(identity.studyId, forKey: .studyId)
        try keys.encodeIfPresent(identity.accessionNumber, forKey: .accessionNumber)
        try keys.encodeIfPresent(identity.patientId, forKey: .patientId)
        try keys.encodeIfPresent(context.site, forKey: .site)
        try keys.encodeIfPresent(context.organCentre, forKey: .organCentre)
        try keys.encode(context.orderedPriority, forKey: .orderedPriority)
        try keys.encodeIfPresent(context.received, forKey: .received)
        try keys.encodeIfPresent(context.acquired, forKey: .acquired)
    }
}

/// A coronal maximum-intensity projection of a study's SUV: `rows` rows of `width` values, head first,
/// and where SUVmax is in it. Pixels for the worklist's thumbnail, which the export renders.
public struct CoronalMIP: Sendable, Equatable {
    public var pixels: [Float]
    public var width: Int
    /// Millimetres between adjacent columns and between adjacent rows (a row may hold several slices).
    public var columnMm: Double
    public var rowMm: Double
    /// The column and row of SUVmax.
    public var hottest: (column: Int, row: Int)

    public init(pixels: [Float], width: Int, columnMm: Double, rowMm: Double, hottest: (column: Int, row: Int)) {
        self.pixels = pixels
        self.width = width
        self.columnMm = columnMm
        self.rowMm = rowMm
        self.hottest = hottest
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.pixels == rhs.pixels && lhs.width == rhs.width && lhs.columnMm == rhs.columnMm && lhs.rowMm == rhs.rowMm
            && lhs.hottest == rhs.hottest
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

        public init(index: Int, file: String, logit: Float) {
            self.index = index
            self.file = file
            self.logit = logit
        }
    }

    /// Seconds spent per stage, summed over the study's slices.
    public struct StageTimings: Sendable, Codable, Equatable {
        public var decodeSeconds: Double = 0
        /// Stored values → SUV, evidence, resampling to the model grid.
        public var quantifySeconds: Double = 0
        public var modelSeconds: Double = 0

        public init() {}

        public static func += (total: inout StageTimings, more: StageTimings) {
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
    /// The projection the thumbnail is rendered from; only while the study is being scored (not stored).
    public var mip: CoronalMIP?
    /// The thumbnail (PNG) the export rendered from `mip`, kept in the state for the worklist page; not in the JSON.
    public var thumbnailPNG: [UInt8]?

    public init(studyId: String, path: String, metadata: StudyMetadata, series: String, modelId: String, weightsSHA256: String,
                probability: Double, logit: Double, keySlices: [KeySlice], sliceLogits: [Float], evidence: VolumeEvidence?,
                suvProvenance: SUVProvenance?, warnings: [InputProblem], timings: StageTimings, mip: CoronalMIP? = nil,
                thumbnailPNG: [UInt8]? = nil) {
        self.studyId = studyId
        self.path = path
        self.metadata = metadata
        self.series = series
        self.modelId = modelId
        self.weightsSHA256 = weightsSHA256
        self.probability = probability
        self.logit = logit
        self.keySlices = keySlices
        self.sliceLogits = sliceLogits
        self.evidence = evidence
        self.suvProvenance = suvProvenance
        self.warnings = warnings
        self.timings = timings
        self.mip = mip
        self.thumbnailPNG = thumbnailPNG
    }

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

    public init(path: String, studyId: String?, metadata: StudyMetadata?, problems: [InputProblem]) {
        self.path = path
        self.studyId = studyId
        self.metadata = metadata
        self.problems = problems
    }

    public var errors: [InputProblem] { problems.filter { $0.severity == .error } }
    /// The QC flags found on the way (an unmapped priority or organ centre, …).
    public var warnings: [InputProblem] { problems.filter { $0.severity == .warning } }

    /// Every error (up to five, then a count), as the worklist's one-line reason.
    public var reason: String {
        let errors = errors
        guard !errors.isEmpty else { return "unknown failure" }
        let shown = errors.prefix(5).map(\.description).joined(separator: "; ")
        return errors.count > 5 ? shown + "; and \(errors.count - 5) more" : shown
    }
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// A study's result, the one value that goes from the scorer through the run state and the ranking to
/// the worklists. Per-study failures are data, so one bad study never stops the others.
public enum StudyOutcome: Sendable, Codable {
    case scored(StudyScoringResult)
    case failed(StudyFailure)

    /// The version of this encoding and of what it holds, stored beside each result: 1 was release 0.2.0's
    /// (the hottest voxel as [slice, column, row]), 2 has the voxel in x, y, z order, 3 is a result that has
    /// every piece of evidence this version computes (the focal uptake, which 0.2.0 did not compute, was
    /// added without a change of the tool's version). A result of another version is scored again.
    public static let formatVersion = 3

    /// Who and what context, when known (a failed study whose sidecar could not be read has none).
    public var metadata: StudyMetadata? {
        switch self {
        case .scored(let result): result.metadata
        case .failed(let failure): failure.metadata
        }
    }

    public var scored: StudyScoringResult? {
        if case .scored(let result) = self { return result }
        return nil
    }

    public var failure: StudyFailure? {
        if case .failed(let failure) = self { return failure }
        return nil
    }
}
