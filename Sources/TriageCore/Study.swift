import Foundation

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

/// Who a study is: the identifiers a department files it under. The patient id is pseudonymised and
/// never logged unless asked for.
public struct StudyIdentifiers: Sendable, Equatable, Codable {
    public var studyId: String
    public var accessionNumber: String?
    public var patientId: String?

    public init(studyId: String, accessionNumber: String? = nil, patientId: String? = nil) {
        self.studyId = studyId
        self.accessionNumber = accessionNumber
        self.patientId = patientId
    }
}

/// What the ranking weighs besides the images: where the study was acquired, which tumour board
/// discusses it, how urgent it was ordered, and since when it waits.
public struct ClinicalContext: Sendable, Equatable, Codable {
    /// The acquiring hospital.
    public var site: String?
    /// The organ centre whose tumour board discusses the study (e.g. `lung`).
    public var organCentre: String?
    public var orderedPriority: OrderedPriority
    public var acquired: Date?
    /// When the study arrived for reading; waiting time counts from here.
    public var received: Date?

    public init(site: String? = nil, organCentre: String? = nil, orderedPriority: OrderedPriority = .routine,
                acquired: Date? = nil, received: Date? = nil) {
        self.site = site
        self.organCentre = organCentre
        self.orderedPriority = orderedPriority
        self.acquired = acquired
        self.received = received
    }

    /// Waiting counts from arrival, or from acquisition when the arrival is not known.
    public var waitingSince: Date? { received ?? acquired }
}

/// A study as every stage after reading sees it, whichever reader produced it: dates resolved, slices
/// listed in reading order, every path inside its folder.
public struct Study: Sendable {
    public let folder: URL
    /// The file that described the study (the sidecar), as errors name it.
    public let sidecarPath: String
    public let identity: StudyIdentifiers
    public let context: ClinicalContext
    public let timeZone: TimeZone
    public let patientWeightKg: Double?
    public let series: [Series]
    /// Problems that do not stop processing (unknown fields, unlisted files): QC flags for a reader.
    public let warnings: [InputProblem]

    public init(folder: URL, sidecarPath: String, identity: StudyIdentifiers, context: ClinicalContext, timeZone: TimeZone,
                patientWeightKg: Double?, series: [Series], warnings: [InputProblem]) {
        self.folder = folder
        self.sidecarPath = sidecarPath
        self.identity = identity
        self.context = context
        self.timeZone = timeZone
        self.patientWeightKg = patientWeightKg
        self.series = series
        self.warnings = warnings
    }
}

/// One series of a study, its slices in reading order.
public struct Series: Sendable {
    /// Position in the study's list of series: `jsonPath` names fields with it.
    public let index: Int
    public let folderName: String
    public let folder: URL
    /// DICOM modality: `PT`, `CT`, ...
    public let modality: String
    public let seriesDate: Date?
    /// Units of the rescaled values; nil when the input gives none.
    public let units: PixelUnits?
    public let pixelSpacingMm: PixelSpacing
    public let sliceThicknessMm: Double
    /// Centre-to-centre distance between adjacent slices (the thickness when the input gives none).
    public let sliceSpacingMm: Double
    public let decayCorrection: DecayCorrection?
    public let correctedImage: [String]?
    public let radiopharmaceutical: Radiopharmaceutical?
    public let slices: [SliceReference]
    /// The instant the values are decay-corrected to when the input names it (Enhanced PET's
    /// DecayCorrectionDateTime (0018,9701)); nil: START refers to the QIBA scan reference time.
    public let decayReferenceDate: Date?

    public init(index: Int, folderName: String, folder: URL, modality: String, seriesDate: Date?, units: PixelUnits?,
                pixelSpacingMm: PixelSpacing, sliceThicknessMm: Double, sliceSpacingMm: Double, decayCorrection: DecayCorrection?,
                correctedImage: [String]?, radiopharmaceutical: Radiopharmaceutical?, slices: [SliceReference], decayReferenceDate: Date? = nil) {
        self.decayReferenceDate = decayReferenceDate
        self.index = index
        self.folderName = folderName
        self.folder = folder
        self.modality = modality
        self.seriesDate = seriesDate
        self.units = units
        self.pixelSpacingMm = pixelSpacingMm
        self.sliceThicknessMm = sliceThicknessMm
        self.sliceSpacingMm = sliceSpacingMm
        self.decayCorrection = decayCorrection
        self.correctedImage = correctedImage
        self.radiopharmaceutical = radiopharmaceutical
        self.slices = slices
    }

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

/// Where one slice's pixels are, with the values that may vary per slice.
public struct SliceReference: Sendable {
    public let fileName: String
    public let url: URL
    public let rescaleSlope: Double
    public let rescaleIntercept: Double
    public let acquisitionDate: Date?

    public init(fileName: String, url: URL, rescaleSlope: Double, rescaleIntercept: Double, acquisitionDate: Date?) {
        self.fileName = fileName
        self.url = url
        self.rescaleSlope = rescaleSlope
        self.rescaleIntercept = rescaleIntercept
        self.acquisitionDate = acquisitionDate
    }
}

/// What was injected, and when.
public struct Radiopharmaceutical: Sendable {
    public let radionuclide: String
    public let tracer: String?
    public let injectedActivityMBq: Double?
    public let injection: InjectionTime?
    public let halfLifeSeconds: Double?

    public init(radionuclide: String, tracer: String?, injectedActivityMBq: Double?, injection: InjectionTime?, halfLifeSeconds: Double?) {
        self.radionuclide = radionuclide
        self.tracer = tracer
        self.injectedActivityMBq = injectedActivityMBq
        self.injection = injection
        self.halfLifeSeconds = halfLifeSeconds
    }
}

/// When the activity was injected: a full date-time, or only a time of day that must be placed on the scan's date.
public enum InjectionTime: Sendable, Equatable {
    case dateTime(Date)
    case timeOfDay(hour: Int, minute: Int, second: Double)
}

extension Study {
    /// The sidecar file beside a study's series folders (Docs/StudyFormat.md): the one place its name is written.
    public static let sidecarFileName = "study.json"
}
