/// A DICOM attribute tag (group, element), ordered as the standard orders elements in a data set.
public struct DICOMTag: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(_ group: UInt16, _ element: UInt16) {
        rawValue = UInt32(group) << 16 | UInt32(element)
    }

    public var group: UInt16 { UInt16(rawValue >> 16) }
    public var element: UInt16 { UInt16(rawValue & 0xFFFF) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `(0008,0060)`, as the standard writes tags.
    public var description: String {
        "(" + Self.hex(group) + "," + Self.hex(element) + ")"
    }

    /// The keyword when the tag is in the built-in dictionary, e.g. `Modality (0008,0060)`.
    public var named: String {
        guard let keyword = DICOMDictionary.entry(self)?.keyword else { return description }
        return "\(keyword) \(description)"
    }

    private static func hex(_ value: UInt16) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - text.count) + text
    }
}

extension DICOMTag {
    // File meta information.
    public static let transferSyntaxUID = DICOMTag(0x0002, 0x0010)
    public static let mediaStorageSOPClassUID = DICOMTag(0x0002, 0x0002)

    // Items and delimiters of sequences and encapsulated pixel data (never carry a VR).
    public static let item = DICOMTag(0xFFFE, 0xE000)
    public static let itemDelimitation = DICOMTag(0xFFFE, 0xE00D)
    public static let sequenceDelimitation = DICOMTag(0xFFFE, 0xE0DD)

    public static let specificCharacterSet = DICOMTag(0x0008, 0x0005)
    public static let imageType = DICOMTag(0x0008, 0x0008)
    public static let sopClassUID = DICOMTag(0x0008, 0x0016)
    public static let sopInstanceUID = DICOMTag(0x0008, 0x0018)
    public static let studyDate = DICOMTag(0x0008, 0x0020)
    public static let seriesDate = DICOMTag(0x0008, 0x0021)
    public static let acquisitionDate = DICOMTag(0x0008, 0x0022)
    public static let acquisitionDateTime = DICOMTag(0x0008, 0x002A)
    public static let studyTime = DICOMTag(0x0008, 0x0030)
    public static let seriesTime = DICOMTag(0x0008, 0x0031)
    public static let acquisitionTime = DICOMTag(0x0008, 0x0032)
    public static let accessionNumber = DICOMTag(0x0008, 0x0050)
    public static let modality = DICOMTag(0x0008, 0x0060)
    public static let manufacturer = DICOMTag(0x0008, 0x0070)
    public static let institutionName = DICOMTag(0x0008, 0x0080)
    public static let timezoneOffsetFromUTC = DICOMTag(0x0008, 0x0201)
    public static let studyDescription = DICOMTag(0x0008, 0x1030)
    public static let seriesDescription = DICOMTag(0x0008, 0x103E)

    public static let patientName = DICOMTag(0x0010, 0x0010)
    public static let patientID = DICOMTag(0x0010, 0x0020)
    public static let patientWeight = DICOMTag(0x0010, 0x1030)

    public static let sliceThickness = DICOMTag(0x0018, 0x0050)
    public static let radiopharmaceutical = DICOMTag(0x0018, 0x0031)
    public static let radiopharmaceuticalStartTime = DICOMTag(0x0018, 0x1072)
    public static let radionuclideTotalDose = DICOMTag(0x0018, 0x1074)
    public static let radionuclideHalfLife = DICOMTag(0x0018, 0x1075)
    public static let radiopharmaceuticalStartDateTime = DICOMTag(0x0018, 0x1078)

    public static let studyInstanceUID = DICOMTag(0x0020, 0x000D)
    public static let seriesInstanceUID = DICOMTag(0x0020, 0x000E)
    public static let studyID = DICOMTag(0x0020, 0x0010)
    public static let seriesNumber = DICOMTag(0x0020, 0x0011)
    public static let instanceNumber = DICOMTag(0x0020, 0x0013)
    public static let imagePositionPatient = DICOMTag(0x0020, 0x0032)
    public static let imageOrientationPatient = DICOMTag(0x0020, 0x0037)
    public static let frameOfReferenceUID = DICOMTag(0x0020, 0x0052)
    public static let temporalPositionIdentifier = DICOMTag(0x0020, 0x0100)
    public static let numberOfTemporalPositions = DICOMTag(0x0020, 0x0105)

    public static let samplesPerPixel = DICOMTag(0x0028, 0x0002)
    public static let photometricInterpretation = DICOMTag(0x0028, 0x0004)
    public static let planarConfiguration = DICOMTag(0x0028, 0x0006)
    public static let numberOfFrames = DICOMTag(0x0028, 0x0008)
    public static let rows = DICOMTag(0x0028, 0x0010)
    public static let columns = DICOMTag(0x0028, 0x0011)
    public static let pixelSpacing = DICOMTag(0x0028, 0x0030)
    public static let correctedImage = DICOMTag(0x0028, 0x0051)
    public static let bitsAllocated = DICOMTag(0x0028, 0x0100)
    public static let bitsStored = DICOMTag(0x0028, 0x0101)
    public static let highBit = DICOMTag(0x0028, 0x0102)
    public static let pixelRepresentation = DICOMTag(0x0028, 0x0103)
    public static let rescaleIntercept = DICOMTag(0x0028, 0x1052)
    public static let rescaleSlope = DICOMTag(0x0028, 0x1053)

    public static let requestedProcedureDescription = DICOMTag(0x0032, 0x1060)
    public static let requestAttributesSequence = DICOMTag(0x0040, 0x0275)
    public static let requestedProcedurePriority = DICOMTag(0x0040, 0x1003)

    public static let radiopharmaceuticalInformationSequence = DICOMTag(0x0054, 0x0016)
    public static let radionuclideCodeSequence = DICOMTag(0x0054, 0x0300)
    public static let numberOfTimeSlices = DICOMTag(0x0054, 0x0101)
    public static let seriesType = DICOMTag(0x0054, 0x1000)
    public static let units = DICOMTag(0x0054, 0x1001)
    public static let decayCorrection = DICOMTag(0x0054, 0x1102)
    public static let frameReferenceTime = DICOMTag(0x0054, 0x1300)
    public static let decayFactor = DICOMTag(0x0054, 0x1321)

    public static let codeValue = DICOMTag(0x0008, 0x0100)
    public static let codeMeaning = DICOMTag(0x0008, 0x0104)

    // Enhanced (multi-frame) images: the functional groups, and the attributes read from them.
    public static let sharedFunctionalGroupsSequence = DICOMTag(0x5200, 0x9229)
    public static let perFrameFunctionalGroupsSequence = DICOMTag(0x5200, 0x9230)
    public static let planePositionSequence = DICOMTag(0x0020, 0x9113)
    public static let planeOrientationSequence = DICOMTag(0x0020, 0x9116)
    public static let pixelMeasuresSequence = DICOMTag(0x0028, 0x9110)
    public static let pixelValueTransformationSequence = DICOMTag(0x0028, 0x9145)
    public static let frameContentSequence = DICOMTag(0x0020, 0x9111)
    public static let frameAcquisitionDateTime = DICOMTag(0x0018, 0x9074)
    public static let temporalPositionIndex = DICOMTag(0x0020, 0x9128)
    public static let realWorldValueMappingSequence = DICOMTag(0x0040, 0x9096)
    public static let measurementUnitsCodeSequence = DICOMTag(0x0040, 0x08EA)
    public static let cardiacSynchronizationSequence = DICOMTag(0x0018, 0x9118)
    public static let respiratorySynchronizationSequence = DICOMTag(0x0020, 0x9253)
    public static let decayCorrected = DICOMTag(0x0018, 0x9758)
    public static let attenuationCorrected = DICOMTag(0x0018, 0x9759)
    public static let decayCorrectionDateTime = DICOMTag(0x0018, 0x9701)

    public static let floatPixelData = DICOMTag(0x7FE0, 0x0008)
    public static let doubleFloatPixelData = DICOMTag(0x7FE0, 0x0009)
    public static let pixelData = DICOMTag(0x7FE0, 0x0010)
}
