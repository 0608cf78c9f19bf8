import DICOMFormat
import Foundation
import TriageCore

/// Writes a synthetic study's slices as DICOM: PET Image Storage (and CT Image Storage) in explicit VR
/// little endian, with the same metadata the PNG study's sidecar carries, so that demos, tests and
/// benchmarks run on DICOM. UIDs are 2.25 UUID-form numbers derived from the seed and the study, so
/// the same seed writes the same files.
struct SyntheticDICOMWriter: Sendable {
    let study: SyntheticStudy

    static let petStorage = "1.2.840.10008.5.1.4.1.1.128"
    static let ctStorage = "1.2.840.10008.5.1.4.1.1.2"
    /// The implementation that wrote the files (a 2.25 UID for radtriage's writer).
    static let implementationUID = "2.25.\(uidNumber("radtriage synthetic DICOM writer"))"

    /// The DICOM file of one slice, its stored values and (PET) rescale slope as the PNG slice has them.
    func slice(_ index: Int, modality: PhantomRenderer.Modality, image: SliceImage, slope: Double) -> [UInt8] {
        let plan = study.plan
        let isPET = modality == .pet
        let geometry = isPET ? study.petGeometry : study.ctGeometry
        let seriesKey = isPET ? "PT" : "CT"
        let seriesUID = uid("series", seriesKey)
        let instanceUID = uid("instance", seriesKey, String(index))
        let sopClass = isPET ? Self.petStorage : Self.ctStorage
        let scan = isPET ? plan.scanStart : StudyPlan.adding(seconds: -120, to: plan.scanStart)
        var w = DICOMWriter()
        w.set(.imageType, .CS, values: isPET ? ["ORIGINAL", "PRIMARY"] : ["ORIGINAL", "PRIMARY", "AXIAL"])
        w.set(.sopClassUID, .UI, sopClass)
        w.set(.sopInstanceUID, .UI, instanceUID)
        w.set(.studyDate, .DA, Self.date(plan.scanStart))
        w.set(.seriesDate, .DA, Self.date(scan))
        w.set(.acquisitionDate, .DA, Self.date(scan))
        w.set(DICOMTag(0x0008, 0x0023), .DA, Self.date(scan))  // ContentDate
        w.set(.studyTime, .TM, Self.time(plan.scanStart))
        w.set(.seriesTime, .TM, Self.time(scan))
        w.set(.acquisitionTime, .TM, Self.time(scan))
        w.set(DICOMTag(0x0008, 0x0033), .TM, Self.time(scan))  // ContentTime
        w.set(.accessionNumber, .SH, plan.accessionNumber)
        w.set(.modality, .CS, seriesKey)
        w.set(.manufacturer, .LO, "radtriage synth")
        w.set(.institutionName, .LO, plan.site)
        w.set(DICOMTag(0x0008, 0x0090), .PN, values: [])  // ReferringPhysicianName, type 2
        w.set(.timezoneOffsetFromUTC, .SH, Self.offset(plan.scanStart))
        w.set(.studyDescription, .LO, "PET/CT \(plan.organCentre)")
        w.set(.seriesDescription, .LO, isPET ? "PET AC" : "CT")
        w.set(.patientName, .PN, "Synthetic^\(plan.patientId)")
        w.set(.patientID, .LO, plan.patientId)
        w.set(DICOMTag(0x0010, 0x0030), .DA, values: [])  // PatientBirthDate, type 2
        w.set(DICOMTag(0x0010, 0x0040), .CS, "O")  // PatientSex
        w.set(.patientWeight, decimals: [plan.weightKg])
        w.set(DICOMTag(0x0018, 0x0015), .CS, "WHOLEBODY")  // BodyPartExamined: unpaired, so no Laterality
        w.set(.sliceThickness, decimals: [geometry.sliceSpacingMm])
        if !isPET {
            w.set(DICOMTag(0x0018, 0x0060), .DS, "120")  // KVP
            w.set(DICOMTag(0x0018, 0x5100), .CS, "HFS")  // PatientPosition (PET has its orientation code sequences)
        }
        w.set(.studyInstanceUID, .UI, uid("study"))
        w.set(.seriesInstanceUID, .UI, seriesUID)
        w.set(.studyID, .SH, String(plan.studyId.prefix(16)))
        w.set(.seriesNumber, .IS, isPET ? "2" : "1")
        w.set(DICOMTag(0x0020, 0x0012), .IS, "1")  // AcquisitionNumber
        w.set(.instanceNumber, .IS, String(index + 1))
        // LPS: the head is +z, and slice 0 is the top of the head.
        let corner = geometry.phantomXY(0)
        let z = -geometry.phantomZ(index)
        w.set(.imagePositionPatient, decimals: [corner, corner, z])
        w.set(.imageOrientationPatient, decimals: [1, 0, 0, 0, 1, 0])
        w.set(.frameOfReferenceUID, .UI, uid("frame of reference"))
        w.set(DICOMTag(0x0020, 0x1040), .LO, values: [])  // PositionReferenceIndicator, type 2
        w.set(DICOMTag(0x0020, 0x1041), decimals: [z])  // SliceLocation
        w.set(.samplesPerPixel, unsignedShorts: [1])
        w.set(.photometricInterpretation, .CS, "MONOCHROME2")
        w.set(.rows, unsignedShorts: [UInt16(image.height)])
        w.set(.columns, unsignedShorts: [UInt16(image.width)])
        w.set(.pixelSpacing, decimals: [geometry.pixelMm, geometry.pixelMm])
        w.set(.bitsAllocated, unsignedShorts: [16])
        w.set(.bitsStored, unsignedShorts: [16])
        w.set(.highBit, unsignedShorts: [15])
        w.set(.pixelRepresentation, unsignedShorts: [0])
        w.set(DICOMTag(0x0028, 0x2110), .CS, "00")  // LossyImageCompression
        w.set(.rescaleIntercept, decimals: [isPET ? 0 : -1024])
        w.set(.rescaleSlope, decimals: [isPET ? slope : 1])
        if isPET {
            w.set(.correctedImage, .CS, values: ["ATTN", "DECY"])
            w.set(DICOMTag(0x0018, 0x1181), .CS, "NONE")  // CollimatorType, type 2
            w.set(DICOMTag(0x0018, 0x1242), .IS, "120000")  // ActualFrameDuration, ms
            w.set(.requestedProcedurePriority, .SH, Self.priority(plan.orderedPriority))
            w.set(.radiopharmaceuticalInformationSequence, items: [radiopharmaceutical()])
            w.set(DICOMTag(0x0054, 0x0081), unsignedShorts: [UInt16(study.options.slicesPerStudy)])  // NumberOfSlices
            w.set(DICOMTag(0x0054, 0x0410), items: [])  // PatientOrientationCodeSequence, type 2
            w.set(DICOMTag(0x0054, 0x0414), items: [])  // PatientGantryRelationshipCodeSequence, type 2
            w.set(.seriesType, .CS, values: ["STATIC", "IMAGE"])
            w.set(.units, .CS, PixelUnits.becquerelsPerMillilitre.text)
            w.set(DICOMTag(0x0054, 0x1002), .CS, "EMISSION")  // CountsSource
            w.set(.decayCorrection, .CS, DecayCorrection.start.text)
            w.set(.frameReferenceTime, decimals: [0])
            w.set(.decayFactor, decimals: [1])
            w.set(DICOMTag(0x0054, 0x1330), unsignedShorts: [UInt16(index + 1)])  // ImageIndex
        } else {
            w.set(DICOMTag(0x0028, 0x1054), .LO, PixelUnits.hounsfield.text)  // RescaleType
        }
        w.setPixels(image.samples)
        return w.fileBytes(sopClassUID: sopClass, sopInstanceUID: instanceUID, implementationClassUID: Self.implementationUID)
    }

    private func radiopharmaceutical() -> DICOMWriter {
        let plan = study.plan
        var code = DICOMWriter()
        code.set(.codeValue, .SH, "C-111A1")
        code.set(DICOMTag(0x0008, 0x0102), .SH, "SRT")  // CodingSchemeDesignator
        code.set(.codeMeaning, .LO, "^18^Fluorine")
        var drug = DICOMWriter()
        drug.set(.radiopharmaceutical, .LO, "Fluorodeoxyglucose")
        drug.set(.radiopharmaceuticalStartTime, .TM, Self.time(plan.injection))
        drug.set(.radionuclideTotalDose, decimals: [plan.injectedActivityMBq * 1e6])
        drug.set(.radionuclideHalfLife, decimals: [StudyPlan.halfLifeSeconds])
        drug.set(.radiopharmaceuticalStartDateTime, .DT, Self.date(plan.injection) + Self.time(plan.injection))
        drug.set(.radionuclideCodeSequence, items: [code])
        return drug
    }

    /// radtriage's ordered priorities as RequestedProcedurePriority (0040,1003) defined terms.
    static func priority(_ priority: OrderedPriority) -> String {
        switch priority {
        case .stat: "STAT"
        case .urgent: "HIGH"
        case .routine: "ROUTINE"
        }
    }

    private func uid(_ parts: String...) -> String {
        "2.25.\(Self.uidNumber((["radtriage synth", String(study.options.seed), study.plan.studyId] + parts).joined(separator: "|")))"
    }

    /// A 128-bit number from a SHA-256 of the text, as a 2.25 UID writes it (PS3.5 B.2) at most 39 digits.
    static func uidNumber(_ text: String) -> String {
        let digest = SHA256.hex(Array(text.utf8))
        var value: UInt128 = 0
        for character in digest.prefix(32) { value = value << 4 | UInt128(character.hexDigitValue!) }
        return String(value >> 1)  // below 2^127: never a leading zero issue, always ≤ 39 digits
    }

    static func date(_ components: DateComponents) -> String {
        String(format: "%04d%02d%02d", components.year ?? 0, components.month ?? 0, components.day ?? 0)
    }

    static func time(_ components: DateComponents) -> String {
        String(format: "%02d%02d%02d", components.hour ?? 0, components.minute ?? 0, components.second ?? 0)
    }

    /// TimezoneOffsetFromUTC (`+0100`/`+0200`) of the study's zone on the scan's date.
    static func offset(_ components: DateComponents) -> String {
        var calendar = Calendar(identifier: .gregorian)
        let zone = TimeZone(identifier: StudyPlan.timeZone) ?? TimeZone(secondsFromGMT: 0)!
        calendar.timeZone = zone
        let seconds = calendar.date(from: components).map { zone.secondsFromGMT(for: $0) } ?? 0
        let minutes = abs(seconds) / 60
        return String(format: "%@%02d%02d", seconds < 0 ? "-" : "+", minutes / 60, minutes % 60)
    }
}
