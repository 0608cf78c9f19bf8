import DICOMFormat
import Foundation

/// Writes PET (and CT) slices as DICOM with exactly the tags a test states: generated fixtures with
/// values computed by hand from the SUV formula, not scanner data.
struct PETSliceWriter {
    var studyUID = "1.2.826.0.1.3680043.8.498.7"
    var seriesUID = "1.2.826.0.1.3680043.8.498.7.1"
    var modality = "PT"
    var sopClass = "1.2.840.10008.5.1.4.1.1.128"
    var units: String? = "BQML"
    var decayCorrection: String? = "START"
    var correctedImage: [String]? = ["ATTN", "DECY"]
    var seriesType: [String]? = ["WHOLE BODY", "IMAGE"]
    var weight: String? = "70"
    var dose: String? = "370000000"
    var nuclideMeaning: String? = "^18^Fluorine"
    var halfLife: String? = "6586.2"
    var startDateTime: String? = "20260504100000"
    var startTime: String? = "100000"
    var seriesDate = "20260504"
    var seriesTime = "110000"
    var acquisitionDate: String? = "20260504"
    var acquisitionTime: String? = "110000"
    var orientation: [Double] = [1, 0, 0, 0, 1, 0]
    var priority: String? = "ROUTINE"
    var studyDescription: String? = "PET/CT WHOLE BODY"
    var institution: String? = "Klinikum Nord"
    var rows = 4
    var columns = 4
    var pixelRepresentation: UInt16 = 0

    /// One slice at height `z` with every pixel `stored` and rescale slope `slope`.
    func slice(instance: Int, z: Double, stored: UInt16, slope: Double, intercept: Double = 0, temporal: Int? = nil,
               position: [Double]? = nil) -> [UInt8] {
        var w = DICOMWriter()
        w.set(.specificCharacterSet, .CS, "ISO_IR 192")
        w.set(.imageType, .CS, values: ["ORIGINAL", "PRIMARY"])
        w.set(.sopClassUID, .UI, sopClass)
        let sop = "\(seriesUID).\(instance)\(temporal.map { ".\($0)" } ?? "")"
        w.set(.sopInstanceUID, .UI, sop)
        w.set(.studyDate, .DA, seriesDate)
        w.set(.studyTime, .TM, "104500")
        w.set(.seriesDate, .DA, seriesDate)
        w.set(.seriesTime, .TM, seriesTime)
        if let acquisitionDate { w.set(.acquisitionDate, .DA, acquisitionDate) }
        if let acquisitionTime { w.set(.acquisitionTime, .TM, acquisitionTime) }
        w.set(.accessionNumber, .SH, "ACC-1")
        w.set(.modality, .CS, modality)
        if let institution { w.set(.institutionName, .LO, institution) }
        if let studyDescription { w.set(.studyDescription, .LO, studyDescription) }
        w.set(.patientID, .LO, "P-1")
        if let weight { w.set(.patientWeight, .DS, weight) }
        w.set(.sliceThickness, decimals: [3])
        w.set(.studyInstanceUID, .UI, studyUID)
        w.set(.seriesInstanceUID, .UI, seriesUID)
        w.set(.seriesNumber, .IS, "2")
        w.set(.instanceNumber, .IS, "\(instance)")
        w.set(.imagePositionPatient, decimals: position ?? [-8, -8, z])
        w.set(.imageOrientationPatient, decimals: orientation)
        if let temporal { w.set(.temporalPositionIdentifier, .IS, "\(temporal)") }
        w.set(.samplesPerPixel, unsignedShorts: [1])
        w.set(.photometricInterpretation, .CS, "MONOCHROME2")
        w.set(.rows, unsignedShorts: [UInt16(rows)])
        w.set(.columns, unsignedShorts: [UInt16(columns)])
        w.set(.pixelSpacing, decimals: [4, 4])
        if let correctedImage { w.set(.correctedImage, .CS, values: correctedImage) }
        w.set(.bitsAllocated, unsignedShorts: [16])
        w.set(.bitsStored, unsignedShorts: [16])
        w.set(.highBit, unsignedShorts: [15])
        w.set(.pixelRepresentation, unsignedShorts: [pixelRepresentation])
        w.set(.rescaleIntercept, decimals: [intercept])
        w.set(.rescaleSlope, decimals: [slope])
        if let priority { w.set(.requestedProcedurePriority, .SH, priority) }
        if modality == "PT" {
            var drug = DICOMWriter()
            drug.set(.radiopharmaceutical, .LO, "FDG")
            if let startTime { drug.set(.radiopharmaceuticalStartTime, .TM, startTime) }
            if let dose { drug.set(.radionuclideTotalDose, .DS, dose) }
            if let halfLife { drug.set(.radionuclideHalfLife, .DS, halfLife) }
            if let startDateTime { drug.set(.radiopharmaceuticalStartDateTime, .DT, startDateTime) }
            if let nuclideMeaning {
                var code = DICOMWriter()
                code.set(.codeValue, .SH, "X")
                code.set(.codeMeaning, .LO, nuclideMeaning)
                drug.set(.radionuclideCodeSequence, items: [code])
            }
            w.set(.radiopharmaceuticalInformationSequence, items: [drug])
            if let seriesType { w.set(.seriesType, .CS, values: seriesType) }
            if let units { w.set(.units, .CS, units) }
            if let decayCorrection { w.set(.decayCorrection, .CS, decayCorrection) }
        }
        w.setPixels([UInt16](repeating: stored, count: rows * columns))
        return w.fileBytes(sopClassUID: sopClass, sopInstanceUID: sop, implementationClassUID: "1.2.826.0.1.3680043.8.498")
    }
}

/// A temporary studies folder that removes itself.
final class TemporaryFolder {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("dicom-study-\(UUID().uuidString)", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ bytes: [UInt8], to relative: String) throws {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: file)
    }
}
