import Foundation
import TriageCore

// Public factories over the memberwise initialisers, so that readers other than the sidecar's (DICOM)
// build the same model. They go when the model moves into TriageCore with public initialisers (issue 11).

extension Study {
    public static func make(
        folder: URL, sidecarPath: String, id: String, accessionNumber: String?, patientId: String?, site: String?,
        organCentre: String?, orderedPriority: OrderedPriority, timeZone: TimeZone, acquisitionDate: Date?, receivedDate: Date?,
        patientWeightKg: Double?, series: [Series], warnings: [InputProblem]
    ) -> Study {
        Study(folder: folder, sidecarPath: sidecarPath, id: id, accessionNumber: accessionNumber, patientId: patientId, site: site,
              organCentre: organCentre, orderedPriority: orderedPriority, timeZone: timeZone, acquisitionDate: acquisitionDate,
              receivedDate: receivedDate, patientWeightKg: patientWeightKg, series: series, warnings: warnings)
    }
}

extension Series {
    public static func make(
        index: Int, folderName: String, folder: URL, modality: String, seriesDate: Date?, units: String?,
        pixelSpacingMm: PixelSpacing, sliceThicknessMm: Double, sliceSpacingMm: Double, decayCorrection: String?,
        correctedImage: [String]?, radiopharmaceutical: Radiopharmaceutical?, slices: [Slice]
    ) -> Series {
        Series(index: index, folderName: folderName, folder: folder, modality: modality, seriesDate: seriesDate, units: units,
               pixelSpacingMm: pixelSpacingMm, sliceThicknessMm: sliceThicknessMm, sliceSpacingMm: sliceSpacingMm,
               decayCorrection: decayCorrection, correctedImage: correctedImage, radiopharmaceutical: radiopharmaceutical, slices: slices)
    }
}

extension Slice {
    public static func make(fileName: String, url: URL, rescaleSlope: Double, rescaleIntercept: Double, acquisitionDate: Date?) -> Slice {
        Slice(fileName: fileName, url: url, rescaleSlope: rescaleSlope, rescaleIntercept: rescaleIntercept, acquisitionDate: acquisitionDate)
    }
}

extension Radiopharmaceutical {
    public static func make(radionuclide: String, tracer: String?, injectedActivityMBq: Double?, injection: InjectionTime?, halfLifeSeconds: Double?) -> Radiopharmaceutical {
        Radiopharmaceutical(radionuclide: radionuclide, tracer: tracer, injectedActivityMBq: injectedActivityMBq, injection: injection,
                            halfLifeSeconds: halfLifeSeconds)
    }
}
