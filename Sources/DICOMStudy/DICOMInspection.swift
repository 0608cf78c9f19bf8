import DICOMFormat
import Foundation
import Quantification
import TriageCore

/// What `radtriage inspect` says about one DICOM study: the files found, which series was chosen and
/// by which rule, the geometry, the clinical context, how SUV was computed or why not, and whether
/// the scored series' slices decode. Encoded as JSON for `inspect --json` (with `format: dicom`).
public struct DICOMInspection: Sendable, Encodable {
    /// One series of the study: the role the selection rule gave it, and why.
    public struct SeriesChoice: Sendable, Encodable {
        public let seriesInstanceUID: String
        public let seriesNumber: Int?
        public let modality: String
        public let description: String?
        public let fileCount: Int
        public let role: String
        public let reason: String
    }

    /// A series that was read into the study: its slices as ordered along the normal.
    public struct ReadSeries: Sendable, Encodable {
        public let name: String
        public let modality: String
        public let sliceCount: Int
        public let sliceSpacingMm: Double
        /// Between rows, between columns.
        public let pixelSpacingMm: [Double]
    }

    /// The worklist fields, as the tags and the configured mappings gave them.
    public struct Context: Sendable, Encodable {
        public let accessionNumber: String?
        public let site: String?
        public let orderedPriority: OrderedPriority
        public let organCentre: String?
    }

    public let format = "dicom"
    public let studyInstanceUID: String
    public let root: String
    public let fileCount: Int
    /// The series selection rule, in words.
    public let rule = SeriesSelection.rule
    public private(set) var series: [SeriesChoice] = []
    public private(set) var context: Context?
    public private(set) var readSeries: [ReadSeries] = []
    /// How SUV was computed, when it could be.
    public private(set) var suv: SUVProvenance?
    public private(set) var problems: [InputProblem] = []

    public var isUsable: Bool { !problems.contains { $0.severity == .error } }

    private enum CodingKeys: String, CodingKey {
        case format, studyInstanceUID, root, fileCount, rule, series, context, readSeries, suv, problems, usable
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(format, forKey: .format)
        try container.encode(studyInstanceUID, forKey: .studyInstanceUID)
        try container.encode(root, forKey: .root)
        try container.encode(fileCount, forKey: .fileCount)
        try container.encode(rule, forKey: .rule)
        try container.encode(series, forKey: .series)
        try container.encodeIfPresent(context, forKey: .context)
        try container.encode(readSeries, forKey: .readSeries)
        try container.encodeIfPresent(suv, forKey: .suv)
        try container.encode(problems, forKey: .problems)
        try container.encode(isUsable, forKey: .usable)
    }

    public init(_ files: DICOMStudyFiles, options: DICOMReadingOptions, decoder: DICOMPixelDecoder = DICOMPixelDecoder()) {
        studyInstanceUID = files.studyInstanceUID
        root = files.root.path
        fileCount = files.instances.count + files.unreadable.count
        let selection: SeriesSelection
        let reading: DICOMStudyReading?
        do {
            reading = try DICOMStudyMapper(options: options).map(files)
            selection = reading!.selection
        } catch {
            reading = nil
            selection = error.selection ?? SeriesSelection(files.instances)
            problems += error.problems
        }
        series = selection.choices.map { choice in
            SeriesChoice(seriesInstanceUID: choice.seriesInstanceUID, seriesNumber: choice.seriesNumber, modality: choice.modality,
                         description: choice.description, fileCount: choice.instances.count, role: choice.role.rawValue, reason: choice.reason)
        }
        guard let reading else { return }
        let study = reading.study
        problems += study.warnings
        context = Context(accessionNumber: study.identity.accessionNumber, site: study.context.site,
                          orderedPriority: study.context.orderedPriority, organCentre: study.context.organCentre)
        for series in study.series {
            readSeries.append(ReadSeries(name: series.folderName, modality: series.modality, sliceCount: series.slices.count,
                                         sliceSpacingMm: series.sliceSpacingMm, pixelSpacingMm: [series.pixelSpacingMm.rowMm, series.pixelSpacingMm.columnMm]))
            problems += decodeCheck(series, instances: reading.seriesInstances[series.index], decoder: decoder)
        }
        if let pet = study.series.first(where: { $0.modality == "PT" }) {
            switch SUVCalibrator.calibrate(series: pet, of: study) {
            case .calibrated(let calibration):
                suv = calibration.provenance
            case .unavailable(let reasons):
                problems += reasons.map { DICOMSUVProblems.problem($0, instances: reading.seriesInstances[pet.index]) }
            }
        }
    }

    /// The first, middle and last slices decoded: a series whose pixels cannot be read says so here. A
    /// frame of a multi-frame file is read at its offset, as scoring reads it, not with the whole file.
    private func decodeCheck(_ series: Series, instances: [DICOMInstance], decoder: DICOMPixelDecoder) -> [InputProblem] {
        let picks = Set([0, series.slices.count / 2, series.slices.count - 1].filter { $0 >= 0 })
        var samples: [UInt16] = []
        var reader = DICOMSliceReader()
        var problems: [InputProblem] = []
        for index in picks.sorted() {
            let instance = instances[index]
            do {
                if try reader.readFrame(of: instance, into: &samples) != nil { continue }
                let bytes = try [UInt8](Data(contentsOf: instance.url))
                try decoder.grayscaleFrame(instance.frame, of: DICOMParser().parse(bytes), into: &samples)
            } catch {
                problems.append(InputProblem(file: instance.url.path, message: "slice \(index) does not decode: \(error)"))
            }
        }
        return problems
    }

    public var text: String {
        var text = ["DICOM study \(studyInstanceUID): \(fileCount) file(s) under \(root)", "rule: \(rule)"]
        for choice in series {
            let name = "series \(choice.seriesNumber.map(String.init) ?? "?") \(choice.modality)\(choice.description.map { " \"\($0)\"" } ?? "")"
            text.append("\(name), \(choice.fileCount) file(s): \(choice.role): \(choice.reason)")
        }
        if let context {
            text.append("accession \(context.accessionNumber ?? "absent"), site \(context.site ?? "absent"), ordered priority \(context.orderedPriority.rawValue), organ centre \(context.organCentre ?? "none")")
        }
        for series in readSeries {
            let spacing = String(format: "%.4g", series.sliceSpacingMm)
            text.append("\(series.name): \(series.sliceCount) slices, head first along the slice normal, spacing \(spacing) mm, pixels \(series.pixelSpacingMm[0]) × \(series.pixelSpacingMm[1]) mm")
        }
        if let suv { text += suv.lines.map { "SUV \($0.label): \($0.value)" } }
        text += problems.map(\.description)
        text.append(isUsable ? "usable" : "NOT usable")
        return ([text[0]] + text.dropFirst().map { "  " + $0 }).joined(separator: "\n")
    }
}
