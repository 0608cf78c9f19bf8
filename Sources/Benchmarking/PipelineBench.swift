import DICOMFormat
import DICOMStudy
import Foundation
import TriageCore
import Quantification
import Scoring
import SliceCodec
import StudyFormat
import Synthesis

/// `radtriage bench`: the real pipeline (`radtriage run` as a child process) at 1…N jobs, and in the
/// same run the bounds it is judged against, all on one thread: the plain C pipeline on the same files,
/// decode-only of the same files, and sgemm-only at the model's shapes.
public struct PipelineBench {
    public enum Source: Sendable {
        case studies(URL)
        /// Synthetic PET studies written to a scratch folder and removed afterwards.
        case generate(studies: Int, slices: Int, matrix: Int)
    }

    public var source: Source
    public var jobs: Int
    /// Each job count is run this many times, interleaved (1, 2, 1, 2, …), and the fastest counts: on a
    /// shared machine one run can be slowed by a neighbour, and the scaling is a ratio of two runs.
    public var rounds = 3
    public var model: ScoringModel
    /// The model folder as given on the command line, passed on to the child runs (nil: the default).
    public var modelArgument: String?
    /// At most this many slice files are decoded for the decode bound (spread over the studies).
    public var decodeSample = 1500
    /// At most this many are scored by the plain C pipeline (about 1.5 ms each).
    public var pipelineSample = 600

    public init(source: Source, jobs: Int, model: ScoringModel, modelArgument: String?) {
        self.source = source
        self.jobs = jobs
        self.model = model
        self.modelArgument = modelArgument
    }

    public func run(executable: String, progress: (String) -> Void = { _ in }) throws -> BenchReport {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let studies: URL
        switch source {
        case .studies(let folder):
            studies = folder
        case .generate(let count, let slices, let matrix):
            progress("writing \(count) synthetic studies × \(slices) slices of \(matrix)², zlib level 6")
            studies = scratch.appendingPathComponent("studies")
            var options = SynthesisOptions(studies: count, slicesPerStudy: slices, seed: 11)
            options.petMatrix = matrix
            // zlib level 6, the clinical-like file size (level 1, synth's fast default, decodes ~2× slower).
            options.compressionLevel = 6
            try StudySynthesizer(options: options).writeStudies(to: studies)
        }
        let files = try sliceFiles(under: studies)
        guard !files.slices.isEmpty else {
            throw BenchError(.input, file: studies.path, what: "no readable \(model.manifest.input.modality) slices (PNG studies, or DICOM studies whose series map to SUV)")
        }

        progress("pipeline bound: the plain C pipeline over \(min(files.slices.count, pipelineSample)) files, one thread")
        let pipelineSlices = Self.spread(files.slices, atMost: pipelineSample)
        let (pipeline, _) = try PlainPipelineBound.measure(slices: pipelineSlices, model: model)
        // The machine's own scaling for this kind of work, beside radtriage's: a shared machine (or a VM
        // on one) rarely gives each of N busy cores what it gives one.
        var parallelPipeline: PlainPipelineBound.Measurement?
        if jobs > 1 {
            progress("pipeline bound: the plain C pipeline on \(jobs) threads")
            parallelPipeline = try PlainPipelineBound.measure(slices: pipelineSlices, model: model, threads: jobs).0
        }
        progress("decode bound: plain libpng loop (DICOM: the file read, its samples copied) over \(min(files.slices.count, decodeSample)) files, one thread")
        let decode = try DecodeBound.measure(slices: Self.spread(files.slices, atMost: decodeSample), rounds: 2)
        progress("compute bound: sgemm at the model's \(model.gemmShapes.count) GEMM shapes, one thread")
        let gemm = GEMMBound.measure(model: model)
        // The BLAS thread policy, measured: N threads on one GEMM at a time, against N workers of one thread each.
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let threadedGEMM = threads > 1 ? GEMMBound.measure(model: model, blasThreads: threads) : nil

        let counts = Self.jobCounts(upTo: jobs)
        var measured = [[PipelineRun]](repeating: [], count: counts.count)
        for round in 1...max(rounds, 1) {
            for (index, jobCount) in counts.enumerated() {
                progress("radtriage run --jobs \(jobCount)" + (rounds > 1 ? " (round \(round) of \(rounds))" : ""))
                measured[index].append(
                    try PipelineRun.measure(executable: executable, studies: studies, model: modelArgument, jobs: jobCount, scratch: scratch))
            }
        }
        let runs = measured.map { runs in
            var fastest = runs.min { $0.seconds < $1.seconds }!
            fastest.roundSeconds = runs.map(\.seconds)
            return fastest
        }
        return BenchReport(
            studies: files.studies, slices: files.slices.count, sliceSize: files.sliceSize, model: model.id,
            modelMFLOPPerSlice: Double(model.flopsPerSlice) / 1e6, cores: ProcessInfo.processInfo.activeProcessorCount,
            pipelineBound: pipeline, parallelPipelineBound: parallelPipeline, decodeBound: decode, gemmBound: gemm, threadedGEMMBound: threadedGEMM, runs: runs)
    }

    /// 1, 2, 4, … and N itself.
    static func jobCounts(upTo jobs: Int) -> [Int] {
        var counts: [Int] = []
        var count = 1
        while count < jobs {
            counts.append(count)
            count *= 2
        }
        return counts + [max(jobs, 1)]
    }

    /// At most `count` items, evenly spread over all of them (every study is represented).
    static func spread<Item>(_ items: [Item], atMost count: Int) -> [Item] {
        let step = max(1, items.count / max(count, 1))
        return Swift.stride(from: 0, to: items.count, by: step).prefix(count).map { items[$0] }
    }

    /// The model's series' slice files of every study radtriage can score, each with the map of its stored
    /// values to the model's units (as radtriage computes it), and the first slice's size.
    func sliceFiles(under root: URL) throws -> (slices: [PlainPipelineBound.Slice], studies: Int, sliceSize: String) {
        var slices: [PlainPipelineBound.Slice] = []
        var studies = 0
        var sliceSize = "?"
        let modality = model.manifest.input.modality.uppercased()
        let folders: [URL]
        do {
            folders = try StudyDiscovery.studyFolders(at: root)
        } catch {
            throw BenchError(error, kind: .input)
        }
        for folder in folders {
            guard let study = try? StudyReader().read(folder: folder), let series = study.series.first(where: { $0.modality.uppercased() == modality }),
                  let map = stageMap(series, of: study) else { continue }
            studies += 1
            slices += series.slices.enumerated().map { index, slice in
                PlainPipelineBound.Slice(path: slice.url.path, slope: Float(map.scales[index]), intercept: Float(map.offsets[index]))
            }
            if sliceSize == "?", let first = series.slices.first, let bytes = FileManager.default.contents(atPath: first.url.path),
               let header = try? PNGSliceDecoder().header(of: [UInt8](bytes), file: first.url.path) {
                sliceSize = "\(header.width)×\(header.height) \(modality)"
            }
        }
        // DICOM studies in any layout; the plain loop reads 16-bit unsigned native pixels from each file's end.
        for files in DICOMDiscovery().scan(root).studies {
            guard let reading = try? DICOMStudyMapper().map(files),
                  let series = reading.study.series.first(where: { $0.modality.uppercased() == modality }),
                  let map = stageMap(series, of: reading.study) else { continue }
            var studySlices: [PlainPipelineBound.Slice] = []
            for (index, instance) in reading.seriesInstances[series.index].enumerated() {
                // The pixel element's header (8 or 12 bytes) right before the file's last Rows × Columns × 2 bytes.
                guard let location = instance.pixelLocation, case let format = location.format, format.bitsAllocated == 16, format.bitsStored == 16,
                      !format.isSigned, format.samplesPerPixel == 1, format.frames == 1,
                      [8, 12].contains(instance.status.size - format.bytesPerFrame - location.elementOffset) else {
                    throw BenchError(.input, file: instance.url.path, what: "bench's plain DICOM loop reads one frame of 16-bit unsigned native little-endian samples at the file's end; this file is \(instance.transferSyntax)\(instance.pixelLocation.map { ", \($0.format.bitsStored) of \($0.format.bitsAllocated) bits" } ?? "")")
                }
                studySlices.append(PlainPipelineBound.Slice(path: instance.url.path, slope: Float(map.scales[index]), intercept: Float(map.offsets[index]),
                                                            dicomSize: (format.columns, format.rows)))
                if sliceSize == "?" { sliceSize = "\(format.columns)×\(format.rows) \(modality) (DICOM)" }
            }
            studies += 1
            slices += studySlices
        }
        return (slices, studies, sliceSize)
    }

    /// Stored values to the model's units: SUV from the calibration, else the series' rescale; nil when SUV cannot be computed.
    private func stageMap(_ series: Series, of study: Study) -> AffineSliceMap? {
        guard model.manifest.input.units.uppercased() == "SUV" else { return AffineSliceMap(rescaleOf: series) }
        guard case .calibrated(let calibration) = SUVCalibrator.calibrate(series: series, of: study) else { return nil }
        return calibration.map
    }
}
