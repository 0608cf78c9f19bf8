import Foundation
import TriageCore

/// The reading priority the referrer ordered, most urgent first.
public enum OrderedPriority: String, Sendable, Codable, CaseIterable, Comparable {
    case stat, urgent, routine

    private var rank: Int {
        switch self {
        case .stat: 0
        case .urgent: 1
        case .routine: 2
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// A study that passed validation: dates resolved, slices listed in order, every path inside its folder.
public struct Study: Sendable {
    public let folder: URL
    /// The sidecar's path, as errors name it.
    public let sidecarPath: String
    public let id: String
    public let accessionNumber: String?
    public let patientId: String?
    public let site: String?
    public let organCentre: String?
    public let orderedPriority: OrderedPriority
    public let timeZone: TimeZone
    public let acquisitionDate: Date?
    public let receivedDate: Date?
    public let patientWeightKg: Double?
    public let series: [Series]
    /// Problems that do not stop processing (unknown fields, unlisted files): QC flags for a reader.
    public let warnings: [InputProblem]
}

/// One series of a study, its slices in reading order.
public struct Series: Sendable {
    /// Position in the sidecar's `series` array: `jsonPath` names fields with it.
    public let index: Int
    public let folderName: String
    public let folder: URL
    public let modality: String
    public let seriesDate: Date?
    public let units: String?
    public let pixelSpacingMm: PixelSpacing
    public let sliceThicknessMm: Double
    /// Centre-to-centre distance between adjacent slices (the thickness when the sidecar gives none).
    public let sliceSpacingMm: Double
    public let decayCorrection: String?
    public let correctedImage: [String]?
    public let radiopharmaceutical: Radiopharmaceutical?
    public let slices: [Slice]

    /// `$.series[i]`, the prefix of this series' fields in error messages.
    public var jsonPath: String { "$.series[\(index)]" }
}

/// In-plane pixel spacing in millimetres.
public struct PixelSpacing: Sendable, Equatable, Codable {
    /// Distance between the centres of adjacent rows (the y step).
    public let rowMm: Double
    /// Distance between the centres of adjacent columns (the x step).
    public let columnMm: Double

    public init(rowMm: Double, columnMm: Double) {
        self.rowMm = rowMm
        self.columnMm = columnMm
    }
}

/// One slice file with the values that may vary per slice.
public struct Slice: Sendable {
    public let fileName: String
    public let url: URL
    public let rescaleSlope: Double
    public let rescaleIntercept: Double
    public let acquisitionDate: Date?
}

public struct Radiopharmaceutical: Sendable {
    public let radionuclide: String
    public let tracer: String?
    public let injectedActivityMBq: Double?
    public let injection: InjectionTime?
    public let halfLifeSeconds: Double?
}

/// When the activity was injected: a full date-time, or only a time of day that must be placed on the scan's date.
public enum InjectionTime: Sendable, Equatable {
    case dateTime(Date)
    case timeOfDay(hour: Int, minute: Int, second: Double)
}
