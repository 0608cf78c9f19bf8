import DICOMFormat
import Foundation
import Quantification
import TriageCore

/// What `radtriage inspect` says about one DICOM study: the files found, which series was chosen and
/// by which rule, the geometry, the clinical context, how SUV was computed or why not, and whether
/// the scored series' slices decode.
public struct DICOMInspection: Sendable {
    public let studyInstanceUID: String
    public let root: String
    public let fileCount: Int
    public var lines: [String] = []
    public var problems: [InputProblem] = []

    public var isUsable: Bool { !problems.contains { $0.severity == .error } }

    public init(_ files: DICOMStudyFiles, options: DICOMReadingOptions, decoder: DICOMPixelDecoder = DICOMPixelDecoder()) {
        studyInstanceUID = files.studyInstanceUID
        root = files.root.path
        fileCount = files.instances.count
        let selection: SeriesSelection
        let reading: DICOMStudyReading?
        do {
            reading = try DICOMStudyMapper(options: options).map(studyInstanceUID: files.studyInstanceUID, instances: files.instances, root: files.root)
            selection = reading!.selection
        } catch {
            reading = nil
            selection = error.selection ?? SeriesSelection(files.instances)
            problems += error.problems
        }
        lines.append("rule: \(SeriesSelection.rule)")
        for choice in selection.choices {
            let name = "series \(choice.seriesNumber.map(String.init) ?? "?") \(choice.modality)\(choice.description.map { " \"\($0)\"" } ?? "")"
            lines.append("\(name), \(choice.instances.count) file(s): \(choice.role.rawValue): \(choice.reason)")
        }
        guard let reading else { return }
        let study = reading.study
        problems += study.warnings
        lines.append("accession \(study.identity.accessionNumber ?? "absent"), site \(study.context.site ?? "absent"), ordered priority \(study.context.orderedPriority.rawValue), organ centre \(study.context.organCentre ?? "none")")
        for (index, series) in study.series.enumerated() {
            let spacing = String(format: "%.4g", series.sliceSpacingMm)
            lines.append("\(series.folderName): \(series.slices.count) slices, head first along the slice normal, spacing \(spacing) mm, pixels \(series.pixelSpacingMm.rowMm) × \(series.pixelSpacingMm.columnMm) mm")
            problems += decodeCheck(series, instances: reading.seriesInstances[index], decoder: decoder)
        }
        if let pet = study.series.first(where: { $0.modality == "PT" }) {
            switch SUVCalibrator.calibrate(series: pet, of: study) {
            case .calibrated(let calibration):
                lines += calibration.provenance.lines.map { "SUV \($0.label): \($0.value)" }
            case .unavailable(let reasons):
                problems += reasons.map { DICOMSUVProblems.problem($0, instances: reading.seriesInstances[pet.index]) }
            }
        }
    }

    /// The first, middle and last slices decoded: a series whose pixels cannot be read says so here.
    private func decodeCheck(_ series: Series, instances: [DICOMInstance], decoder: DICOMPixelDecoder) -> [InputProblem] {
        let picks = Set([0, series.slices.count / 2, series.slices.count - 1].filter { $0 >= 0 })
        var samples: [UInt16] = []
        var problems: [InputProblem] = []
        for index in picks.sorted() {
            let url = series.slices[index].url
            do {
                let bytes = try [UInt8](Data(contentsOf: url))
                try decoder.grayscaleFrame(0, of: DICOMParser().parse(bytes), into: &samples)
            } catch {
                problems.append(InputProblem(file: url.path, message: "slice \(index) does not decode: \(error)"))
            }
        }
        return problems
    }

    public var text: String {
        var text = ["DICOM study \(studyInstanceUID): \(fileCount) image file(s) under \(root)"]
        text += lines.map { "  " + $0 }
        text += problems.map { "  " + $0.description }
        text.append("  " + (isUsable ? "usable" : "NOT usable"))
        return text.joined(separator: "\n")
    }
}
