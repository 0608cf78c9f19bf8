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
    public let rows: Int?
    public let columns: Int?
    public let pixelRepresentation: Int
    public let imagePosition: [Double]?
    public let imageOrientation: [Double]?
    public let pixelSpacing: [Double]?
    public let sliceThickness: Double?
    public let rescaleSlope: Double?
    public let rescaleIntercept: Double?
    /// Raw text of the rescale attributes when they are present but not numbers (for the refusal).
    public let rescaleText: (slope: String?, intercept: String?)
    public let dates: Dates
    public let pet: PET
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
