/// The `study.json` sidecar as written on disk, schema version 1 (Docs/StudyFormat.md, Docs/study.schema.json).
///
/// This is the wire form: dates are ISO 8601 text, optional fields are optional. `StudySidecarParser`
/// validates a file into a `Study`, collecting every problem; `StudySidecar` itself is what a writer
/// (the synthetic-study generator, a converter from DICOM) encodes. Every field with a unit says it in its name.
public struct StudySidecar: Codable, Sendable, Equatable {
    /// The object's keys in study.json: what the reader accepts (`keys`) and the JSON Schema is tested against.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case schemaVersion, studyId, accessionNumber, patientId, site, organCentre, orderedPriority, timeZone, acquisitionDateTime, receivedDateTime, patientWeightKg, series
    }

    public static var keys: Set<String> { Set(CodingKeys.allCases.map(\.stringValue)) }

    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    /// The study's identifier, unique within a department (e.g. DICOM Study ID or a pseudonym).
    public var studyId: String
    public var accessionNumber: String?
    /// Pseudonymised patient identifier; never logged unless asked for.
    public var patientId: String?
    /// The acquiring hospital.
    public var site: String?
    /// The organ centre whose tumour board discusses the study (e.g. `lung`, `breast`).
    public var organCentre: String?
    /// `stat`, `urgent` or `routine`; absent means `routine`.
    public var orderedPriority: String?
    /// IANA time zone in which date-times without an offset are read (e.g. `Europe/Berlin`); absent means UTC.
    public var timeZone: String?
    /// When the study was acquired (ISO 8601 date-time).
    public var acquisitionDateTime: String?
    /// When the study arrived for reading (ISO 8601 date-time); waiting time counts from here.
    public var receivedDateTime: String?
    /// Patient body weight in kilograms (DICOM PatientWeight (0010,1030)).
    public var patientWeightKg: Double?
    public var series: [SeriesSidecar]

    public init(
        schemaVersion: Int = StudySidecar.currentSchemaVersion, studyId: String, accessionNumber: String? = nil,
        patientId: String? = nil, site: String? = nil, organCentre: String? = nil, orderedPriority: String? = nil,
        timeZone: String? = nil, acquisitionDateTime: String? = nil, receivedDateTime: String? = nil,
        patientWeightKg: Double? = nil, series: [SeriesSidecar]
    ) {
        self.schemaVersion = schemaVersion
        self.studyId = studyId
        self.accessionNumber = accessionNumber
        self.patientId = patientId
        self.site = site
        self.organCentre = organCentre
        self.orderedPriority = orderedPriority
        self.timeZone = timeZone
        self.acquisitionDateTime = acquisitionDateTime
        self.receivedDateTime = receivedDateTime
        self.patientWeightKg = patientWeightKg
        self.series = series
    }
}

/// One series: a folder of PNG slices beside `study.json`.
public struct SeriesSidecar: Codable, Sendable, Equatable {
    /// The object's keys in study.json: what the reader accepts (`keys`) and the JSON Schema is tested against.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case folder, modality, seriesDateTime, units, rescaleSlope, rescaleIntercept, pixelSpacingMm, sliceThicknessMm, sliceSpacingMm, decayCorrection, correctedImage, radiopharmaceutical, slices
    }

    public static var keys: Set<String> { Set(CodingKeys.allCases.map(\.stringValue)) }

    /// The series folder's name inside the study folder (a plain name: no `/`, no `..`).
    public var folder: String
    /// DICOM modality: `PT`, `CT`, ...
    public var modality: String
    /// Series date-time (DICOM (0008,0021)+(0008,0031)); the PET scan reference time starts from it.
    public var seriesDateTime: String?
    /// Units of rescaled values: `BQML` or `GML` for PET, `HU` for CT.
    public var units: String?
    /// Stored value × slope + intercept = value in `units`; one for the series unless a slice gives its own.
    public var rescaleSlope: Double?
    public var rescaleIntercept: Double?
    /// In-plane pixel spacing in millimetres: [between rows, between columns] (DICOM (0028,0030) order).
    public var pixelSpacingMm: [Double]?
    public var sliceThicknessMm: Double?
    /// Centre-to-centre distance of adjacent slices in millimetres; absent means `sliceThicknessMm`.
    public var sliceSpacingMm: Double?
    /// PET decay-correction reference: `START`, `ADMIN` or `NONE` (DICOM (0054,1102)).
    public var decayCorrection: String?
    /// DICOM Corrected Image (0028,0051), e.g. `["ATTN", "DECY"]`.
    public var correctedImage: [String]?
    public var radiopharmaceutical: RadiopharmaceuticalSidecar?
    /// The slices in order, when the natural order of the file names is not the order (or per-slice values are needed).
    public var slices: [SliceSidecar]?

    public init(
        folder: String, modality: String, seriesDateTime: String? = nil, units: String? = nil,
        rescaleSlope: Double? = nil, rescaleIntercept: Double? = nil, pixelSpacingMm: [Double]? = nil,
        sliceThicknessMm: Double? = nil, sliceSpacingMm: Double? = nil, decayCorrection: String? = nil,
        correctedImage: [String]? = nil, radiopharmaceutical: RadiopharmaceuticalSidecar? = nil,
        slices: [SliceSidecar]? = nil
    ) {
        self.folder = folder
        self.modality = modality
        self.seriesDateTime = seriesDateTime
        self.units = units
        self.rescaleSlope = rescaleSlope
        self.rescaleIntercept = rescaleIntercept
        self.pixelSpacingMm = pixelSpacingMm
        self.sliceThicknessMm = sliceThicknessMm
        self.sliceSpacingMm = sliceSpacingMm
        self.decayCorrection = decayCorrection
        self.correctedImage = correctedImage
        self.radiopharmaceutical = radiopharmaceutical
        self.slices = slices
    }
}

/// A slice listed explicitly, with the values that vary per slice.
public struct SliceSidecar: Codable, Sendable, Equatable {
    /// The object's keys in study.json: what the reader accepts (`keys`) and the JSON Schema is tested against.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case file, rescaleSlope, rescaleIntercept, acquisitionDateTime
    }

    public static var keys: Set<String> { Set(CodingKeys.allCases.map(\.stringValue)) }

    /// The PNG file's name inside the series folder (a plain name).
    public var file: String
    public var rescaleSlope: Double?
    public var rescaleIntercept: Double?
    /// Acquisition date-time of this slice (DICOM (0008,0022)+(0008,0032)); needed for `decayCorrection: NONE`.
    public var acquisitionDateTime: String?

    public init(file: String, rescaleSlope: Double? = nil, rescaleIntercept: Double? = nil, acquisitionDateTime: String? = nil) {
        self.file = file
        self.rescaleSlope = rescaleSlope
        self.rescaleIntercept = rescaleIntercept
        self.acquisitionDateTime = acquisitionDateTime
    }
}

/// What was injected, and when (DICOM Radiopharmaceutical Information Sequence (0054,0016)).
public struct RadiopharmaceuticalSidecar: Codable, Sendable, Equatable {
    /// The object's keys in study.json: what the reader accepts (`keys`) and the JSON Schema is tested against.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case radionuclide, tracer, injectedActivityMBq, injectionDateTime, injectionTime, halfLifeSeconds
    }

    public static var keys: Set<String> { Set(CodingKeys.allCases.map(\.stringValue)) }

    /// e.g. `F-18`, `Ga-68`; must be in the built-in half-life table.
    public var radionuclide: String
    /// e.g. `FDG`, `PSMA-11`.
    public var tracer: String?
    /// Injected activity in megabecquerels at the injection time (DICOM stores Bq: divide by 1e6).
    public var injectedActivityMBq: Double?
    /// Injection date-time (ISO 8601). Preferred over `injectionTime`.
    public var injectionDateTime: String?
    /// Injection time of day (`HH:MM:SS`) when the date is unknown; placed on the scan's date.
    public var injectionTime: String?
    /// Half-life in seconds as the scanner recorded it; compared with the built-in table.
    public var halfLifeSeconds: Double?

    public init(
        radionuclide: String, tracer: String? = nil, injectedActivityMBq: Double? = nil,
        injectionDateTime: String? = nil, injectionTime: String? = nil, halfLifeSeconds: Double? = nil
    ) {
        self.radionuclide = radionuclide
        self.tracer = tracer
        self.injectedActivityMBq = injectedActivityMBq
        self.injectionDateTime = injectionDateTime
        self.injectionTime = injectionTime
        self.halfLifeSeconds = halfLifeSeconds
    }
}
