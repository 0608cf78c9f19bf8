import Foundation
import GRDB

/// One study folder as the state knows it: the fingerprint of the inputs its result was computed from,
/// the model, weights and tool that computed it, and the result itself (scored or failed, with reason).
public struct StudyRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "study"

    public enum Status: String, Codable, Sendable, DatabaseValueConvertible {
        case scored, failed
    }

    /// The study folder's absolute path: the key.
    public var folder: String
    public var studyId: String?
    public var fingerprint: String
    public var fileCount: Int
    public var toolVersion: String
    public var modelId: String
    public var weightsSHA256: String
    public var status: Status
    public var probability: Double?
    /// A failed study's first error, for `sqlite3` readers; the full problem list is in `outcome`.
    public var reason: String?
    public var slices: Int
    /// The pipeline's own encoding of the outcome (JSON), read back to rank without re-scoring.
    public var outcome: Data
    /// The version of the outcome's encoding (the pipeline's `StudyOutcome.formatVersion`).
    public var resultVersion: Int
    public var thumbnail: Data?
    /// Every slice's logit in reading order, little-endian float32: kept for audits, not read back by runs.
    public var sliceLogits: Data?
    public var runId: String
    public var scoredAt: Date
    /// Last run that found the folder; studies unseen for long are forgotten.
    public var lastSeenAt: Date
    public var seconds: Double

    public init(folder: String, studyId: String?, fingerprint: String, fileCount: Int, toolVersion: String, modelId: String,
                weightsSHA256: String, status: Status, probability: Double?, reason: String?, slices: Int, outcome: Data,
                resultVersion: Int, thumbnail: Data?, sliceLogits: Data?, runId: String, scoredAt: Date, lastSeenAt: Date, seconds: Double) {
        self.folder = folder
        self.studyId = studyId
        self.fingerprint = fingerprint
        self.fileCount = fileCount
        self.toolVersion = toolVersion
        self.modelId = modelId
        self.weightsSHA256 = weightsSHA256
        self.status = status
        self.probability = probability
        self.reason = reason
        self.slices = slices
        self.outcome = outcome
        self.resultVersion = resultVersion
        self.thumbnail = thumbnail
        self.sliceLogits = sliceLogits
        self.runId = runId
        self.scoredAt = scoredAt
        self.lastSeenAt = lastSeenAt
        self.seconds = seconds
    }
}

/// One row per `radtriage run`: written when it starts, completed when it ends. A row without
/// `finishedAt` is a run that was killed.
public struct RunRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "run"

    public var id: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var exitCode: Int?
    public var toolVersion: String
    public var modelId: String
    public var weightsSHA256: String
    public var full: Bool
    public var jobs: Int
    public var studiesSeen: Int?
    public var scored: Int?
    /// Unchanged since their stored result: not scored again.
    public var skipped: Int?
    public var failed: Int?
    /// Studies the last finished run saw that this run did not find: off the worklist.
    public var absent: Int?
    public var slices: Int?
    public var seconds: Double?
    /// The signal (SIGTERM, SIGINT) that stopped the run early, if one did.
    public var stopSignal: Int?

    public init(id: String, startedAt: Date, toolVersion: String, modelId: String, weightsSHA256: String, full: Bool, jobs: Int) {
        self.id = id
        self.startedAt = startedAt
        self.toolVersion = toolVersion
        self.modelId = modelId
        self.weightsSHA256 = weightsSHA256
        self.full = full
        self.jobs = jobs
    }
}
