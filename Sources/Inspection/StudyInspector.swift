import Foundation
import Quantification
import SliceCodec
import StudyFormat
import TriageCore

/// Explains studies and slices: what was read, the values, and what is wrong (`radtriage inspect`).
public struct StudyInspector: Sendable {
    public var decoder: PNGSliceDecoder
    /// Decoding threads; the default is the core count.
    public var workers: Int
    /// At most this many broken slices of a series are listed one by one; the rest are counted.
    public var maxListedSliceProblems = 10

    public init(decoder: PNGSliceDecoder = PNGSliceDecoder(), workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.decoder = decoder
        self.workers = workers
    }

    /// A study folder, a folder of studies, or a single PNG file.
    public enum Target: Sendable {
        case slice(SliceFileInspection)
        case studies([StudyInspection])
    }

    public struct NotFound: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "\(path): no such file or folder" }
    }

    public func inspect(path: String) throws(NotFound) -> Target {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw NotFound(path: path) }
        guard isDirectory.boolValue else { return .slice(inspectSlice(atPath: path)) }
        let folders = (try? StudyDiscovery.studyFolders(at: URL(fileURLWithPath: path))) ?? []
        return .studies(folders.map(inspectStudy(at:)))
    }

    // MARK: - One slice

    public func inspectSlice(atPath path: String) -> SliceFileInspection {
        var report = SliceFileInspection(path: path, problems: [])
        do throws(SliceDecodingError) {
            let bytes = try decoder.readFile(atPath: path)
            // The header first, so that a slice that fails to decode still shows what it declares.
            let header = try decoder.header(of: bytes, file: path)
            report.width = header.width
            report.height = header.height
            report.bitDepth = header.bitDepth
            report.colorType = header.colorType.description
            report.interlaced = header.interlaced
            let image = try decoder.decode(bytes, file: path)
            let summary = SeriesScan.summary(of: image.samples, header: header)
            report.storedRange = ValueRange(min: Double(summary.minimum), max: Double(summary.maximum))
        } catch {
            report.problems.append(InputProblem(file: error.file, message: error.reason))
        }
        return report
    }

    // MARK: - One study

    public func inspectStudy(at folder: URL) -> StudyInspection {
        let study: Study
        do {
            study = try StudyReader().read(folder: folder)
        } catch {
            return StudyInspection(path: folder.path, studyId: nil, series: [], problems: error.problems)
        }
        var problems = study.warnings
        let series = study.series.map { inspectSeries($0, of: study, problems: &problems) }
        return StudyInspection(
            path: folder.path, studyId: study.identity.studyId, series: series,
            problems: problems.filter { $0.severity == .error } + problems.filter { $0.severity == .warning })
    }

    private func inspectSeries(_ series: Series, of study: Study, problems: inout [InputProblem]) -> SeriesInspection {
        let results = SeriesScan(decoder: decoder, workers: workers).summarise(series)
        var report = SeriesInspection(
            folder: series.folderName, modality: series.modality, sliceCount: series.slices.count, decodedSliceCount: 0,
            pixelSpacingMm: [series.pixelSpacingMm.rowMm, series.pixelSpacingMm.columnMm],
            sliceSpacingMm: series.sliceSpacingMm, units: series.units)

        // The first decodable slice sets the series' size; every other slice must match it.
        var summaries: [SliceSummary?] = []
        var sliceProblems = SliceProblemList(limit: maxListedSliceProblems)
        let reference = results.lazy.compactMap { try? $0.get() }.first
        for (index, result) in results.enumerated() {
            switch result {
            case .success(let summary):
                let admitted = sliceProblems.admitSize(file: series.slices[index].url.path, width: summary.width, height: summary.height)
                summaries.append(admitted ? summary : nil)
            case .failure(let error):
                summaries.append(nil)
                sliceProblems.append(InputProblem(file: error.file, message: error.reason))
            }
        }
        problems += sliceProblems.problems(seriesFolder: series.folder.path)
        report.decodedSliceCount = summaries.compactMap { $0 }.count
        report.width = reference?.width
        report.height = reference?.height
        report.bitDepth = reference?.bitDepth
        report.storedRange = range(of: summaries) { (Double($0.minimum), Double($0.maximum)) }
        report.rescaledRange = range(of: summaries.enumerated().map { index, summary in
            summary.map { (series.slices[index].rescaleSlope, series.slices[index].rescaleIntercept, $0) }
        }) { slope, intercept, summary in
            let (low, high) = (Double(summary.minimum) * slope + intercept, Double(summary.maximum) * slope + intercept)
            return (min(low, high), max(low, high))
        }
        if series.modality.uppercased() == "PT" {
            quantify(series, of: study, summaries: summaries, report: &report, problems: &problems)
        }
        return report
    }

    private func quantify(
        _ series: Series, of study: Study, summaries: [SliceSummary?], report: inout SeriesInspection, problems: inout [InputProblem]
    ) {
        switch SUVCalibrator.calibrate(series: series, of: study) {
        case .unavailable(let reasons):
            report.suvUnavailable = reasons.map(\.description)
            problems += reasons.map { $0.problem(study: study, series: series) }
        case .calibrated(let calibration):
            for warning in calibration.provenance.warnings {
                problems.append(InputProblem(.warning, file: study.sidecarPath, field: series.jsonPath, message: warning))
            }
            report.suv = hottestVoxel(series, summaries: summaries, calibration: calibration)
        }
    }

    /// SUV is affine in the stored value per slice, so each slice's hottest voxel is at its stored
    /// maximum (or minimum, for a negative slope): no pixel has to be converted. The maximum is offered
    /// first, so that it is the one reported when both give the same SUV.
    private func hottestVoxel(_ series: Series, summaries: [SliceSummary?], calibration: SUVCalibration) -> SUVSummary? {
        var hottest = HottestVoxel<Double>()
        for (slice, summary) in summaries.enumerated() {
            guard let summary else { continue }
            for (stored, pixel) in [(summary.maximum, summary.maximumIndex), (summary.minimum, summary.minimumIndex)] {
                hottest.offer(calibration.suv(stored: stored, slice: slice), column: pixel % summary.width, row: pixel / summary.width, slice: slice)
            }
        }
        guard let voxel = hottest.voxel else { return nil }
        let provenance = calibration.provenance
        var fields: [String: String] = [:]
        for line in provenance.lines where line.label != "warning" { fields[line.label] = line.value }
        return SUVSummary(
            suvMax: hottest.value,
            positionMm: PositionMm(centreOf: voxel, columnMm: series.pixelSpacingMm.columnMm, rowMm: series.pixelSpacingMm.rowMm,
                                   sliceMm: series.sliceSpacingMm).components,
            sliceIndex: voxel.slice, sliceFile: series.slices[voxel.slice].fileName, column: voxel.column, row: voxel.row,
            provenance: fields, provenanceText: provenance.text)
    }

    private func range<Item>(of items: [Item?], _ bounds: (Item) -> (Double, Double)) -> ValueRange? {
        let pairs = items.compactMap { $0.map(bounds) }
        guard let low = pairs.map(\.0).min(), let high = pairs.map(\.1).max() else { return nil }
        return ValueRange(min: low, max: high)
    }
}

extension StudyInspector.NotFound: UserFacingError {
    public var file: String? { path }
    public var what: String { "no such file or folder" }
}
