import DICOMFormat
import Foundation

/// What radtriage keeps of one DICOM file after reading its header: the values that group, order,
/// quantify and rank it. The pixel data stays in the file until the slice is scored.
public struct DICOMInstance: Sendable {
    public let url: URL
    /// The file as it was when its header was read.
    public let status: FileStatus
    /// Where the pixels are, for native little-endian files: the slice decode then reads them without
    /// parsing the header again (nil: the decode parses the whole file).
    public let pixelLocation: NativePixelLocation?
    public let transferSyntax: TransferSyntax
    public let sopClassUID: String?
    public let sopInstanceUID: String?
    public let studyInstanceUID: String?
    public let seriesInstanceUID: String?
    public let modality: String?
    public let seriesNumber: Int?
    public let instanceNumber: Int?
    public let seriesDescription: String?
    public let imageType: [String]
    public let hasPixelData: Bool
    public let numberOfFrames: Int
    /// The frame of the file this instance stands for: 0, or frame k of a multi-frame file once
    /// `frames()` has split it (the slice reader reads that frame's bytes).
    public private(set) var frame = 0
    /// An Enhanced PET Image Storage file's per-frame attributes, from its functional groups.
    public let enhancedPET: EnhancedPETFrames?
    public let rows: Int?
    public let columns: Int?
    public let pixelRepresentation: Int
    // Per frame in a multi-frame file (from its functional groups once `frames()` has split it).
    public private(set) var imagePosition: [Double]?
    public private(set) var imageOrientation: [Double]?
    public private(set) var pixelSpacing: [Double]?
    public private(set) var sliceThickness: Double?
    public private(set) var rescaleSlope: Double?
    public private(set) var rescaleIntercept: Double?
    /// Raw text of the rescale attributes when they are present but not numbers (for the refusal).
    public private(set) var rescaleText: (slope: String?, intercept: String?)
    public private(set) var dates: Dates
    public private(set) var pet: PET
    public let context: Context

    /// Date and time attributes as written (DA, TM, DT text); resolved to instants by `DICOMTime`.
    public struct Dates: Sendable {
        public var studyDate: String?
        public var studyTime: String?
        public var seriesDate: String?
        public var seriesTime: String?
        public var acquisitionDate: String?
        public var acquisitionTime: String?
        public var acquisitionDateTime: String?
        /// TimezoneOffsetFromUTC (0008,0201), e.g. `+0100`.
        public var timezoneOffset: String?
    }

    /// The PET attributes SUV depends on, as written.
    public struct PET: Sendable {
        public var units: String?
        public var decayCorrection: String?
        public var correctedImage: [String]?
        /// SeriesType (0054,1000): e.g. `STATIC\IMAGE`, `DYNAMIC\IMAGE`, `GATED\IMAGE`.
        public var seriesType: [String]?
        public var numberOfTimeSlices: Int?
        public var frameReferenceTimeMs: Double?
        public var temporalPosition: Int?
        public var patientWeightText: String?
        public var patientWeightKg: Double?
        /// Item 0 of RadiopharmaceuticalInformationSequence (0054,0016), if present.
        public var radiopharmaceutical: Radiopharmaceutical?
        public var radiopharmaceuticalItems = 0
        /// The attribute `units` came from, for a refusal to name (Enhanced PET keeps them in its
        /// Real World Value Mapping functional group).
        public var unitsField = "Units (0054,1001)"
        /// Enhanced PET: DecayCorrected (0018,9758) `YES`/`NO` and DecayCorrectionDateTime (0018,9701),
        /// which stand for DecayCorrection (0054,1102) there.
        public var decayCorrected: String?
        public var decayCorrectionDateTime: String?
        /// RadionuclideTotalDose is in MBq (Enhanced PET Isotope module), not in Bq.
        public var doseInMBq = false
        /// The functional group that makes a multi-frame series gated (e.g. CardiacSynchronizationSequence).
        public var gatedBy: String?
    }

    public struct Radiopharmaceutical: Sendable {
        public var name: String?
        /// CodeMeaning of RadionuclideCodeSequence (0054,0300), e.g. `^18^Fluorine`, and its CodeValue.
        public var nuclideMeaning: String?
        public var nuclideCode: String?
        public var startTime: String?
        public var startDateTime: String?
        public var totalDoseText: String?
        public var totalDose: Double?
        public var halfLifeText: String?
        public var halfLife: Double?
    }

    /// The attributes the worklist ranks by.
    public struct Context: Sendable {
        public var accessionNumber: String?
        public var patientID: String?
        public var studyID: String?
        public var institutionName: String?
        public var studyDescription: String?
        public var requestedProcedureDescription: String?
        public var requestedProcedurePriority: String?
    }

    /// A file's size and modification time (to the nanosecond), from the `fstat` of the open file whose
    /// header was read: the study's fingerprint and its received time, without another `stat` per file.
    public struct FileStatus: Sendable, Equatable {
        public let size: Int
        public let modifiedSeconds: Int
        public let modifiedNanoseconds: Int

        public init(size: Int, modifiedSeconds: Int, modifiedNanoseconds: Int) {
            self.size = size
            self.modifiedSeconds = modifiedSeconds
            self.modifiedNanoseconds = modifiedNanoseconds
        }

        public init(_ info: stat) {
            self.init(size: Int(info.st_size), modifiedSeconds: Int(info.st_mtim.tv_sec), modifiedNanoseconds: Int(info.st_mtim.tv_nsec))
        }

        public var modified: Date { Date(timeIntervalSince1970: Double(modifiedSeconds) + Double(modifiedNanoseconds) / 1e9) }
    }

    public init(url: URL, file: DICOMFile, status: FileStatus) {
        let d = file.dataset
        self.url = url
        self.status = status
        pixelLocation = NativePixelLocation(file, fileSize: status.size)
        transferSyntax = file.transferSyntax
        sopClassUID = d.string(.sopClassUID) ?? file.meta.string(.mediaStorageSOPClassUID)
        sopInstanceUID = d.string(.sopInstanceUID)
        studyInstanceUID = d.string(.studyInstanceUID)
        seriesInstanceUID = d.string(.seriesInstanceUID)
        modality = d.string(.modality)?.uppercased()
        seriesNumber = d.integer(.seriesNumber)
        instanceNumber = d.integer(.instanceNumber)
        seriesDescription = d.string(.seriesDescription)
        imageType = d.strings(.imageType)?.map { $0.uppercased() } ?? []
        hasPixelData = file.hasPixelData
        numberOfFrames = d.integer(.numberOfFrames) ?? 1
        let enhanced = sopClassUID == Self.enhancedPETImageStorage ? EnhancedPETFrames(d, numberOfFrames: numberOfFrames) : nil
        enhancedPET = enhanced
        rows = d.integer(.rows)
        columns = d.integer(.columns)
        pixelRepresentation = d.integer(.pixelRepresentation) ?? 0
        imagePosition = d.doubles(.imagePositionPatient)
        imageOrientation = d.doubles(.imageOrientationPatient)
        pixelSpacing = d.doubles(.pixelSpacing)
        sliceThickness = d.double(.sliceThickness)
        rescaleSlope = d.double(.rescaleSlope)
        rescaleIntercept = d.double(.rescaleIntercept)
        rescaleText = (d.string(.rescaleSlope), d.string(.rescaleIntercept))
        dates = Dates(
            studyDate: d.string(.studyDate), studyTime: d.string(.studyTime), seriesDate: d.string(.seriesDate),
            seriesTime: d.string(.seriesTime), acquisitionDate: d.string(.acquisitionDate), acquisitionTime: d.string(.acquisitionTime),
            acquisitionDateTime: d.string(.acquisitionDateTime), timezoneOffset: d.string(.timezoneOffsetFromUTC))
        let drugs = d.items(.radiopharmaceuticalInformationSequence)
        var drug: Radiopharmaceutical?
        if let item = drugs.first {
            let code = item.items(.radionuclideCodeSequence).first
            drug = Radiopharmaceutical(
                name: item.string(.radiopharmaceutical), nuclideMeaning: code?.string(.codeMeaning), nuclideCode: code?.string(.codeValue),
                startTime: item.string(.radiopharmaceuticalStartTime), startDateTime: item.string(.radiopharmaceuticalStartDateTime),
                totalDoseText: item.string(.radionuclideTotalDose), totalDose: item.double(.radionuclideTotalDose),
                halfLifeText: item.string(.radionuclideHalfLife), halfLife: item.double(.radionuclideHalfLife))
        }
        pet = PET(
            units: d.string(.units), decayCorrection: d.string(.decayCorrection), correctedImage: d.strings(.correctedImage),
            seriesType: d.strings(.seriesType), numberOfTimeSlices: d.integer(.numberOfTimeSlices),
            frameReferenceTimeMs: d.double(.frameReferenceTime), temporalPosition: d.integer(.temporalPositionIdentifier),
            patientWeightText: d.string(.patientWeight), patientWeightKg: d.double(.patientWeight), radiopharmaceutical: drug,
            radiopharmaceuticalItems: drugs.count)
        let request = d.items(.requestAttributesSequence).first
        context = Context(
            accessionNumber: d.string(.accessionNumber), patientID: d.string(.patientID), studyID: d.string(.studyID),
            institutionName: d.string(.institutionName), studyDescription: d.string(.studyDescription),
            requestedProcedureDescription: d.string(.requestedProcedureDescription) ?? request?.string(.requestedProcedureDescription),
            requestedProcedurePriority: d.string(.requestedProcedurePriority) ?? request?.string(.requestedProcedurePriority))
        if let enhanced {
            // The first frame's geometry and rescale until `frames()` gives each frame its own.
            if let first = enhanced.frames.first { apply(first) }
            if let units = enhanced.units {
                pet.units = units.code
                pet.unitsField = units.field
            } else if pet.units == nil {
                pet.unitsField = EnhancedPETFrames.unitsField
            }
            pet.decayCorrected = d.string(.decayCorrected)?.uppercased()
            pet.decayCorrectionDateTime = d.string(.decayCorrectionDateTime)
            if pet.correctedImage == nil {
                // CorrectedImage is optional there: the YES/NO attributes say the same.
                let flags = [(DICOMTag.attenuationCorrected, "ATTN"), (.decayCorrected, "DECY")]
                pet.correctedImage = flags.filter { d.string($0.0)?.uppercased() == "YES" }.map(\.1)
            }
            pet.doseInMBq = true
            pet.gatedBy = enhanced.gatedBy
        }
    }

    /// One instance per frame: a multi-frame Enhanced PET file split into its frames, each with its
    /// own position, orientation, spacing, rescale and acquisition time; any other instance as it is.
    /// Only small per-frame values are copied; the pixels stay in the file.
    public func frames() -> [DICOMInstance] {
        guard let enhanced = enhancedPET, enhanced.problems.isEmpty else { return [self] }
        return enhanced.frames.indices.map { index in
            var copy = self
            copy.frame = index
            copy.apply(enhanced.frames[index])
            return copy
        }
    }

    private mutating func apply(_ frame: EnhancedPETFrames.Frame) {
        imagePosition = frame.imagePosition
        imageOrientation = frame.imageOrientation
        pixelSpacing = frame.pixelSpacing
        sliceThickness = frame.sliceThickness
        rescaleSlope = frame.rescaleSlope
        rescaleIntercept = frame.rescaleIntercept
        rescaleText = frame.rescaleText
        if let time = frame.acquisitionDateTime { dates.acquisitionDateTime = time }
        pet.temporalPosition = frame.temporalPositionIndex
    }

    /// SOP classes whose instances are image slices a series can be built from.
    public var isImage: Bool {
        hasPixelData && rows != nil && columns != nil
    }

    /// DICOMDIR files (Media Storage Directory Storage) describe a file set; they are never slices.
    public static let mediaStorageDirectoryClass = "1.2.840.10008.1.3.10"
    public static let petImageStorage = "1.2.840.10008.5.1.4.1.1.128"
    public static let enhancedPETImageStorage = "1.2.840.10008.5.1.4.1.1.130"
    public static let ctImageStorage = "1.2.840.10008.5.1.4.1.1.2"
}
