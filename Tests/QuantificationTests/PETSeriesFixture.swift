import Foundation
@testable import StudyFormat
import TriageCore

/// Builds validated `Study`/`Series` values directly, so physics tests state only the numbers that matter.
struct PETSeriesFixture {
    static let berlin = TimeZone(identifier: "Europe/Berlin")!

    var units: String? = "BQML"
    var decayCorrection: String? = "START"
    var radionuclide = "F-18"
    var halfLifeSeconds: Double?
    var injectedActivityMBq: Double? = 370
    var injection: InjectionTime? = .dateTime(PETSeriesFixture.time("2026-05-04T10:00:00"))
    var weightKg: Double? = 70
    var seriesDate: Date? = PETSeriesFixture.time("2026-05-04T11:00:00")
    var slopes: [Double] = [0.5]
    var intercepts: [Double]?
    var acquisitionDates: [Date?]?
    var correctedImage: [String]? = ["ATTN", "DECY"]
    var includeRadiopharmaceutical = true

    /// A wall-clock time in Europe/Berlin.
    static func time(_ text: String) -> Date {
        guard let date = DateTimeText.parseDateTime(text, timeZone: berlin) else { preconditionFailure("bad fixture time \(text)") }
        return date
    }

    func build() -> (study: Study, series: Series) {
        let folder = URL(fileURLWithPath: "/studies/S1")
        let slices = slopes.indices.map { index in
            SliceReference(fileName: "\(index + 1).png", url: folder.appendingPathComponent("PT/\(index + 1).png"),
                  rescaleSlope: slopes[index], rescaleIntercept: intercepts?[index] ?? 0,
                  acquisitionDate: acquisitionDates?[index] ?? nil)
        }
        let drug = Radiopharmaceutical(
            radionuclide: radionuclide, tracer: "FDG", injectedActivityMBq: injectedActivityMBq, injection: injection,
            halfLifeSeconds: halfLifeSeconds)
        let series = Series(
            index: 0, folderName: "PT", folder: folder.appendingPathComponent("PT"), modality: "PT", seriesDate: seriesDate,
            units: units.map(PixelUnits.init(text:)), pixelSpacingMm: PixelSpacing(rowMm: 4, columnMm: 4), sliceThicknessMm: 3, sliceSpacingMm: 3,
            decayCorrection: decayCorrection.map(DecayCorrection.init(text:)), correctedImage: correctedImage,
            radiopharmaceutical: includeRadiopharmaceutical ? drug : nil, slices: slices)
        let study = Study(
            folder: folder, sidecarPath: "/studies/S1/study.json", identity: StudyIdentifiers(studyId: "S1"),
            context: ClinicalContext(orderedPriority: .routine, acquired: seriesDate), timeZone: Self.berlin,
            patientWeightKg: weightKg, series: [series], warnings: [])
        return (study, series)
    }
}
