import Dispatch
import Evidence
import Foundation
import Quantification
import Scoring
import SliceCodec
import StudyFormat
import TriageCore
import WorklistExport

/// Scores studies one slice at a time: decode → SUV → evidence and model input → batched inference →
/// study probability. Holds one inference engine and one set of buffers, reused for every slice and
/// study; memory does not grow with the slice count. One scorer per worker: not thread-safe. With
/// `overlapInference`, batches are inferred on a second thread while the next one is decoded (for
/// when there are more cores than studies in flight).
public final class StudyScorer {
    public let model: ScoringModel
    public let batchSize: Int
    public var decoder = PNGSliceDecoder()
    /// At most this many unusable slices are listed one by one.
    public var maxListedSliceProblems = 10

    private let engine: InferenceEngine
    private let lane: InferenceLane?
    private var bytes: [UInt8] = []
    private var samples: [UInt16] = []
    private var suv: [Float] = []
    private var scratch: [Float] = []
    private var resampler: SliceResampler?

    public init(model: ScoringModel, batchSize: Int = InferenceEngine.preferredBatch, overlapInference: Bool = false) {
        self.model = model
        self.batchSize = batchSize
        // Overlapping needs two batches' worth of input slots: one filled while the other is inferred.
        engine = InferenceEngine(model: model, maxBatch: overlapInference ? 2 * batchSize : batchSize)
        lane = overlapInference ? InferenceLane(engine: engine) : nil
    }

    deinit {
        lane?.close()
    }

    public func score(studyAt folder: URL) -> StudyOutcome {
        let study: Study
        do {
            study = try StudyReader().read(folder: folder)
        } catch {
            return .failed(StudyFailure(path: folder.path, studyId: nil, metadata: nil, problems: error.problems))
        }
        let modality = model.manifest.input.modality.uppercased()
        guard let series = study.series.first(where: { $0.modality.uppercased() == modality }) else {
            return failure(study, [InputProblem(file: study.sidecarPath, field: "$.series", value: study.series.map(\.modality).joined(separator: ", "),
                                                message: "no \(modality) series for model \(model.id)")])
        }
        guard model.manifest.input.units.uppercased() == "SUV" else {
            // A CT model reads Hounsfield units: the series' rescale alone.
            return score(series, of: study, map: AffineSliceMap(rescaleOf: series), provenance: nil)
        }
        switch SUVCalibrator.calibrate(series: series, of: study) {
        case .unavailable(let reasons):
            return failure(study, reasons.map { $0.problem(study: study, series: series) })
        case .calibrated(let calibration):
            return score(series, of: study, map: calibration.map, provenance: calibration.provenance)
        }
    }

    private func failure(_ study: Study, _ problems: [InputProblem]) -> StudyOutcome {
        .failed(StudyFailure(path: study.folder.path, studyId: study.id, metadata: StudyMetadata(study), problems: problems + study.warnings))
    }

    private func score(_ series: Series, of study: Study, map: AffineSliceMap, provenance: SUVProvenance?) -> StudyOutcome {
        var timings = StudyScoringResult.StageTimings()
        var logits: [Float] = []
        logits.reserveCapacity(series.slices.count)
        var pending = 0
        // With a lane, batches alternate between the two halves of the engine's input slots.
        var half = 0
        var accumulator: EvidenceAccumulator?
        var size: (width: Int, height: Int)?
        var unusable = SliceProblemList(limit: maxListedSliceProblems)
        for (index, slice) in series.slices.enumerated() {
            var clock = DispatchTime.now().uptimeNanoseconds
            let header: PNGHeader
            do {
                header = try decoder.decodeFile(atPath: slice.url.path, bytes: &bytes, into: &samples)
            } catch {
                unusable.append(InputProblem(file: error.file, message: error.reason))
                continue
            }
            timings.decodeSeconds += Self.lap(&clock)
            if let size, size != (header.width, header.height) {
                unusable.appendSizeMismatch(
                    file: slice.url.path, width: header.width, height: header.height, seriesWidth: size.width, seriesHeight: size.height)
                continue
            }
            guard unusable.isEmpty else { continue }  // the study has failed: only look for more broken slices
            if size == nil {
                size = (header.width, header.height)
                accumulator = EvidenceAccumulator(
                    width: header.width, height: header.height, columnSpacingMm: series.pixelSpacingMm.columnMm,
                    rowSpacingMm: series.pixelSpacingMm.rowMm, sliceSpacingMm: series.sliceSpacingMm, expectedSlices: series.slices.count)
            }
            // In place (no copy of the accumulator's slice ring): it was created just above if it was nil.
            convert(slice: index, with: map)
            if provenance != nil { suv.withUnsafeBufferPointer { accumulator!.add($0) } }
            if pending == 0, let lane {
                timings.quantifySeconds += Self.lap(&clock)
                lane.waitUntilFree(firstSlot: half * batchSize)
                _ = Self.lap(&clock)  // waiting for the lane is neither stage's work
            }
            fillModelInput(slot: half * batchSize + pending, width: header.width, height: header.height)
            pending += 1
            timings.quantifySeconds += Self.lap(&clock)
            if pending == batchSize {
                infer(&pending, half: &half, into: &logits, timings: &timings)
            }
        }
        if pending > 0, unusable.isEmpty {
            infer(&pending, half: &half, into: &logits, timings: &timings)
        }
        if let lane {
            (logits, timings.modelSeconds) = lane.finish()
        }
        guard unusable.isEmpty, size != nil else {
            let problems = unusable.problems(seriesFolder: series.folder.path)
            return failure(study, problems.isEmpty ? [InputProblem(file: series.folder.path, message: "no slices")] : problems)
        }
        let score = model.manifest.aggregation.score(logits)
        let warnings = study.warnings + (provenance?.warnings ?? []).map {
            InputProblem(.warning, file: study.sidecarPath, field: series.jsonPath, message: $0)
        }
        let evidence = provenance == nil ? nil : accumulator?.result()
        var thumbnail: [UInt8]?
        if let evidence, let accumulator {
            thumbnail = MIPThumbnail.png(
                mip: accumulator.coronalMIP, width: accumulator.width, columnMm: accumulator.columnSpacingMm,
                sliceMm: accumulator.sliceSpacingMm * Double(accumulator.mipSlicesPerRow),
                hottest: (evidence.suvMaxVoxel[1], evidence.suvMaxVoxel[0] / accumulator.mipSlicesPerRow))
        }
        return .scored(StudyScoringResult(
            studyId: study.id, path: study.folder.path, metadata: StudyMetadata(study), series: series.folderName, modelId: model.id,
            weightsSHA256: model.weightsSHA256, probability: score.probability, logit: score.logit,
            keySlices: score.keySlices.map { .init(index: $0, file: series.slices[$0].fileName, logit: logits[$0]) },
            sliceLogits: logits, evidence: evidence, suvProvenance: provenance,
            warnings: warnings, timings: timings, thumbnailPNG: thumbnail))
    }

    /// Infers the `pending` slices of the current batch: on the lane, which then takes the other half of
    /// the slots, or here.
    private func infer(_ pending: inout Int, half: inout Int, into logits: inout [Float], timings: inout StudyScoringResult.StageTimings) {
        if let lane {
            lane.submit(firstSlot: half * batchSize, count: pending)
            half = 1 - half
        } else {
            var clock = DispatchTime.now().uptimeNanoseconds
            logits += engine.run(batch: pending)
            timings.modelSeconds += Self.lap(&clock)
        }
        pending = 0
    }

    /// Stored values → SUV (or HU) in `suv`.
    private func convert(slice: Int, with map: AffineSliceMap) {
        if suv.count != samples.count { suv = [Float](repeating: 0, count: samples.count) }
        samples.withUnsafeBufferPointer { stored in
            suv.withUnsafeMutableBufferPointer { map.convert(stored, slice: slice, into: $0) }
        }
    }

    /// `suv` resampled to the model grid and normalised, into the engine's input slot.
    private func fillModelInput(slot: Int, width: Int, height: Int) {
        let input = model.manifest.input
        if resampler?.inputWidth != width || resampler?.inputHeight != height {
            resampler = SliceResampler(inputWidth: width, inputHeight: height, outputWidth: input.width, outputHeight: input.height)
            scratch = [Float](repeating: 0, count: resampler!.scratchCount)
        }
        guard let resampler else { return }
        let destination = engine.inputSlice(slot)
        suv.withUnsafeBufferPointer { source in
            scratch.withUnsafeMutableBufferPointer { resampler.resample(source, into: destination, scratch: $0) }
        }
        input.normalise(destination)
    }

    private static func lap(_ clock: inout UInt64) -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { clock = now }
        return Double(now - clock) / 1e9
    }
}
