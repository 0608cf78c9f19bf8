/// The few attributes radtriage reads, with their keyword and dictionary VR (PS3.6).
///
/// Implicit-VR files carry no VR, and explicit `UN` elements hide it: the dictionary gives it back for
/// the attributes read as binary numbers or descended into as sequences. Every other element stays raw
/// bytes, which is all that is needed to read it as text.
public enum DICOMDictionary {
    public struct Entry: Sendable {
        public let keyword: String
        public let vr: ValueRepresentation
    }

    public static func entry(_ tag: DICOMTag) -> Entry? {
        if tag.element == 0 { return Entry(keyword: "GroupLength", vr: .UL) }
        return entries[tag.rawValue]
    }

    /// The tag of a keyword in this dictionary, e.g. `Modality` → (0008,0060).
    public static func tag(keyword: String) -> DICOMTag? {
        keywords[keyword]
    }

    private static let keywords: [String: DICOMTag] = {
        var table: [String: DICOMTag] = [:]
        for (raw, entry) in entries { table[entry.keyword] = DICOMTag(UInt16(raw >> 16), UInt16(raw & 0xFFFF)) }
        return table
    }()

    private static let entries: [UInt32: Entry] = {
        let list: [(DICOMTag, String, ValueRepresentation)] = [
            (DICOMTag(0x0002, 0x0001), "FileMetaInformationVersion", .OB),
            (.mediaStorageSOPClassUID, "MediaStorageSOPClassUID", .UI),
            (DICOMTag(0x0002, 0x0003), "MediaStorageSOPInstanceUID", .UI),
            (.transferSyntaxUID, "TransferSyntaxUID", .UI),
            (DICOMTag(0x0002, 0x0012), "ImplementationClassUID", .UI),
            (DICOMTag(0x0002, 0x0013), "ImplementationVersionName", .SH),
            (.specificCharacterSet, "SpecificCharacterSet", .CS),
            (.imageType, "ImageType", .CS),
            (.sopClassUID, "SOPClassUID", .UI),
            (.sopInstanceUID, "SOPInstanceUID", .UI),
            (.studyDate, "StudyDate", .DA),
            (.seriesDate, "SeriesDate", .DA),
            (.acquisitionDate, "AcquisitionDate", .DA),
            (.acquisitionDateTime, "AcquisitionDateTime", .DT),
            (.studyTime, "StudyTime", .TM),
            (.seriesTime, "SeriesTime", .TM),
            (.acquisitionTime, "AcquisitionTime", .TM),
            (.accessionNumber, "AccessionNumber", .SH),
            (.modality, "Modality", .CS),
            (.manufacturer, "Manufacturer", .LO),
            (.institutionName, "InstitutionName", .LO),
            (.timezoneOffsetFromUTC, "TimezoneOffsetFromUTC", .SH),
            (.codeValue, "CodeValue", .SH),
            (.codeMeaning, "CodeMeaning", .LO),
            (DICOMTag(0x0008, 0x1032), "ProcedureCodeSequence", .SQ),
            (DICOMTag(0x0008, 0x1110), "ReferencedStudySequence", .SQ),
            (DICOMTag(0x0008, 0x1111), "ReferencedPerformedProcedureStepSequence", .SQ),
            (DICOMTag(0x0008, 0x1115), "ReferencedSeriesSequence", .SQ),
            (DICOMTag(0x0008, 0x1120), "ReferencedPatientSequence", .SQ),
            (DICOMTag(0x0008, 0x1140), "ReferencedImageSequence", .SQ),
            (DICOMTag(0x0008, 0x1199), "ReferencedSOPSequence", .SQ),
            (DICOMTag(0x0008, 0x2112), "SourceImageSequence", .SQ),
            (DICOMTag(0x0008, 0x9215), "DerivationCodeSequence", .SQ),
            (.studyDescription, "StudyDescription", .LO),
            (.seriesDescription, "SeriesDescription", .LO),
            (.patientName, "PatientName", .PN),
            (.patientID, "PatientID", .LO),
            (.patientWeight, "PatientWeight", .DS),
            (.radiopharmaceutical, "Radiopharmaceutical", .LO),
            (.sliceThickness, "SliceThickness", .DS),
            (.radiopharmaceuticalStartTime, "RadiopharmaceuticalStartTime", .TM),
            (.radionuclideTotalDose, "RadionuclideTotalDose", .DS),
            (.radionuclideHalfLife, "RadionuclideHalfLife", .DS),
            (.radiopharmaceuticalStartDateTime, "RadiopharmaceuticalStartDateTime", .DT),
            (.decayCorrectionDateTime, "DecayCorrectionDateTime", .DT),
            (.frameAcquisitionDateTime, "FrameAcquisitionDateTime", .DT),
            (.cardiacSynchronizationSequence, "CardiacSynchronizationSequence", .SQ),
            (DICOMTag(0x0018, 0x9732), "PETFrameAcquisitionSequence", .SQ),
            (DICOMTag(0x0018, 0x9751), "PETFrameTypeSequence", .SQ),
            (.decayCorrected, "DecayCorrected", .CS),
            (.attenuationCorrected, "AttenuationCorrected", .CS),
            (.studyInstanceUID, "StudyInstanceUID", .UI),
            (.seriesInstanceUID, "SeriesInstanceUID", .UI),
            (.studyID, "StudyID", .SH),
            (.seriesNumber, "SeriesNumber", .IS),
            (.instanceNumber, "InstanceNumber", .IS),
            (.imagePositionPatient, "ImagePositionPatient", .DS),
            (.imageOrientationPatient, "ImageOrientationPatient", .DS),
            (.frameOfReferenceUID, "FrameOfReferenceUID", .UI),
            (.temporalPositionIdentifier, "TemporalPositionIdentifier", .IS),
            (.numberOfTemporalPositions, "NumberOfTemporalPositions", .IS),
            (.planePositionSequence, "PlanePositionSequence", .SQ),
            (.planeOrientationSequence, "PlaneOrientationSequence", .SQ),
            (.frameContentSequence, "FrameContentSequence", .SQ),
            (.temporalPositionIndex, "TemporalPositionIndex", .UL),
            (DICOMTag(0x0020, 0x9157), "DimensionIndexValues", .UL),
            (DICOMTag(0x0020, 0x9222), "DimensionIndexSequence", .SQ),
            (.respiratorySynchronizationSequence, "RespiratorySynchronizationSequence", .SQ),
            (.samplesPerPixel, "SamplesPerPixel", .US),
            (.photometricInterpretation, "PhotometricInterpretation", .CS),
            (.planarConfiguration, "PlanarConfiguration", .US),
            (.numberOfFrames, "NumberOfFrames", .IS),
            (.rows, "Rows", .US),
            (.columns, "Columns", .US),
            (.pixelSpacing, "PixelSpacing", .DS),
            (.correctedImage, "CorrectedImage", .CS),
            (.bitsAllocated, "BitsAllocated", .US),
            (.bitsStored, "BitsStored", .US),
            (.highBit, "HighBit", .US),
            (.pixelRepresentation, "PixelRepresentation", .US),
            (DICOMTag(0x0028, 0x1050), "WindowCenter", .DS),
            (DICOMTag(0x0028, 0x1051), "WindowWidth", .DS),
            (.rescaleIntercept, "RescaleIntercept", .DS),
            (.rescaleSlope, "RescaleSlope", .DS),
            (DICOMTag(0x0028, 0x1054), "RescaleType", .LO),
            (.pixelMeasuresSequence, "PixelMeasuresSequence", .SQ),
            (.pixelValueTransformationSequence, "PixelValueTransformationSequence", .SQ),
            (.requestedProcedureDescription, "RequestedProcedureDescription", .LO),
            (DICOMTag(0x0032, 0x1064), "RequestedProcedureCodeSequence", .SQ),
            (DICOMTag(0x0040, 0x0260), "PerformedProtocolCodeSequence", .SQ),
            (.requestAttributesSequence, "RequestAttributesSequence", .SQ),
            (.measurementUnitsCodeSequence, "MeasurementUnitsCodeSequence", .SQ),
            (.realWorldValueMappingSequence, "RealWorldValueMappingSequence", .SQ),
            (.requestedProcedurePriority, "RequestedProcedurePriority", .SH),
            (DICOMTag(0x0054, 0x0012), "EnergyWindowInformationSequence", .SQ),
            (DICOMTag(0x0054, 0x0013), "EnergyWindowRangeSequence", .SQ),
            (.radiopharmaceuticalInformationSequence, "RadiopharmaceuticalInformationSequence", .SQ),
            (DICOMTag(0x0054, 0x0081), "NumberOfSlices", .US),
            (.numberOfTimeSlices, "NumberOfTimeSlices", .US),
            (DICOMTag(0x0054, 0x0220), "ViewCodeSequence", .SQ),
            (.radionuclideCodeSequence, "RadionuclideCodeSequence", .SQ),
            (DICOMTag(0x0054, 0x0304), "RadiopharmaceuticalCodeSequence", .SQ),
            (DICOMTag(0x0054, 0x0410), "PatientOrientationCodeSequence", .SQ),
            (DICOMTag(0x0054, 0x0412), "PatientOrientationModifierCodeSequence", .SQ),
            (DICOMTag(0x0054, 0x0414), "PatientGantryRelationshipCodeSequence", .SQ),
            (.seriesType, "SeriesType", .CS),
            (.units, "Units", .CS),
            (DICOMTag(0x0054, 0x1002), "CountsSource", .CS),
            (.decayCorrection, "DecayCorrection", .CS),
            (.frameReferenceTime, "FrameReferenceTime", .DS),
            (.decayFactor, "DecayFactor", .DS),
            (DICOMTag(0x0054, 0x1330), "ImageIndex", .US),
            (DICOMTag(0x0088, 0x0200), "IconImageSequence", .SQ),
            (.sharedFunctionalGroupsSequence, "SharedFunctionalGroupsSequence", .SQ),
            (.perFrameFunctionalGroupsSequence, "PerFrameFunctionalGroupsSequence", .SQ),
            (.floatPixelData, "FloatPixelData", .OF),
            (.doubleFloatPixelData, "DoubleFloatPixelData", .OD),
            (.pixelData, "PixelData", .OW),
        ]
        var table: [UInt32: Entry] = [:]
        for (tag, keyword, vr) in list { table[tag.rawValue] = Entry(keyword: keyword, vr: vr) }
        return table
    }()
}
