import Foundation
import TriageCore

/// One ranked study as the worklists show it. Plain data: the pipeline fills it from the ranking and
/// the scoring result; the writers only format it.
public struct WorklistRow: Sendable, Codable, Equatable {
    public var rank: Int
    public var studyId: String
    public var accession: String?
    public var patientId: String?
    public var site: String?
    public var centre: String?
    public var pool: String?
    /// Ordered priority (`stat`, `urgent`, `routine`) and its codes in DICOM (0040,1003), HL7 v2 TQ1-9, FHIR.
    public var priorityClass: String
    public var dicomPriority: String
    public var hl7Priority: String
    public var fhirPriority: String
    public var triageScore: Double
    /// Points from each term: model, priority, waiting, deadline.
    public var scoreComponents: [String: Double]
    public var modelProbability: Double?
    public var suvMax: Double?
    public var suvMaxPositionMm: PositionMm?
    public var suvPeak: Double?
    public var hotVolumeMl: Double?
    /// Zero-based slice indices that drove the score, most important first.
    public var keySlices: [Int]
    public var keySliceFiles: [String]
    /// The next tumour board of the study's centre, and when reads must be ready for it (ISO 8601).
    public var board: Date?
    public var deadline: Date?
    /// The board's time zone (IANA), in which the page shows the board and its deadline.
    public var boardTimeZone: String?
    public var hoursWaiting: Double
    public var overdue: Bool
    public enum Status: String, Sendable, Codable {
        case scored, failed
    }

    public var status: Status
    /// Why the study ranks where it does, or why it failed, in words.
    public var reason: String
    public var modelId: String?
    /// A coronal maximum-intensity projection (PNG, 8-bit), for the HTML page only.
    public var thumbnailPNG: [UInt8]?
    /// Quality-control flags a reader should see: implausible but finite values, a study id shared
    /// with another study folder, sidecar warnings.
    public var flags: [String]
    /// The focal-uptake baseline's strongest candidates in words ("SUVmax 7.2, SUVpeak 5.1, 1.4 mL, at 312 mm").
    public var focalUptake: [String]?

    public init(
        rank: Int, studyId: String, accession: String?, patientId: String?, site: String?, centre: String?, pool: String?,
        priorityClass: String, dicomPriority: String, hl7Priority: String, fhirPriority: String, triageScore: Double,
        scoreComponents: [String: Double], modelProbability: Double?, suvMax: Double?, suvMaxPositionMm: PositionMm?,
        suvPeak: Double?, hotVolumeMl: Double?, keySlices: [Int], keySliceFiles: [String], board: Date?, deadline: Date?,
        hoursWaiting: Double, overdue: Bool, status: Status, reason: String, modelId: String?, thumbnailPNG: [UInt8]?,
        boardTimeZone: String? = nil, focalUptake: [String]? = nil, flags: [String] = []
    ) {
        self.boardTimeZone = boardTimeZone
        self.rank = rank
        self.studyId = studyId
        self.accession = accession
        self.patientId = patientId
        self.site = site
        self.centre = centre
        self.pool = pool
        self.priorityClass = priorityClass
        self.dicomPriority = dicomPriority
        self.hl7Priority = hl7Priority
        self.fhirPriority = fhirPriority
        self.triageScore = triageScore
        self.scoreComponents = scoreComponents
        self.modelProbability = modelProbability
        self.suvMax = suvMax
        self.suvMaxPositionMm = suvMaxPositionMm
        self.suvPeak = suvPeak
        self.hotVolumeMl = hotVolumeMl
        self.keySlices = keySlices
        self.keySliceFiles = keySliceFiles
        self.board = board
        self.deadline = deadline
        self.hoursWaiting = hoursWaiting
        self.overdue = overdue
        self.status = status
        self.reason = reason
        self.modelId = modelId
        self.thumbnailPNG = thumbnailPNG
        self.focalUptake = focalUptake
        self.flags = flags
    }

    enum CodingKeys: String, CodingKey {
        case rank, studyId, accession, patientId, site, centre, pool, priorityClass, dicomPriority, hl7Priority, fhirPriority,
             triageScore, scoreComponents, modelProbability, suvMax, suvMaxPositionMm, suvPeak, hotVolumeMl, keySlices,
             keySliceFiles, board, deadline, boardTimeZone, hoursWaiting, overdue, status, reason, modelId, focalUptake, flags
    }
}

/// A ranked worklist: the rows in reading order and what produced them.
public struct Worklist: Sendable, Codable {
    public static let schemaVersion = 1

    public var schemaVersion = Worklist.schemaVersion
    public var generatedAt: Date
    public var modelId: String
    public var weightsSHA256: String
    /// The reading pool, or nil for the worklist of all studies.
    public var pool: String?
    public var rows: [WorklistRow]
    /// Warnings about the whole run, shown at the top of the page (the out-of-distribution guard).
    public var warnings: [String]?

    public init(generatedAt: Date, modelId: String, weightsSHA256: String, pool: String?, rows: [WorklistRow], warnings: [String]? = nil) {
        self.generatedAt = generatedAt
        self.modelId = modelId
        self.weightsSHA256 = weightsSHA256
        self.pool = pool
        self.rows = rows
        self.warnings = warnings
    }
}
