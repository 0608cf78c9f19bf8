import DICOMFormat
import DICOMStudy
import Dispatch
import Evidence
import Foundation
import Quantification
import Scoring
import SliceCodec
import StudyFormat
import TriageCore

/// Scores studies one slice at a time: decode → SUV → evidence and model input → batched inference →
/// study probability. Holds one inference engine and one set of buffers, reused for every slice and
/// study; memory does not grow with the slice count. One scorer per worker: not thread-safe. With
/// `inferenceLanes` > 0, batches are inferred on that many threads of their own, in turn, while the
/// next ones are decoded (for when there are more cores than studies in flight).
public final class StudyScorer {
    public let model: ScoringModel
    public let batchSize: Int
    public var decoder = PNGSliceDecoder()
    public var dicomDecoder = DICOMPixelDecoder()
    /// Reads a DICOM slice's pixels at the offset discovery found (buffers reused).
    private var dicomReader = DICOMSliceReader()
    /// How DICOM attributes map to the clinical context (time zone, organ centre patterns).
    public var dicomOptions = DICOMReadingOptions()
    /// Reads each study's sidecar and lists its slices (a run sets its boundary to the studies folder).
    public var reader = StudyReader()
    /// At most this many unusable slices are listed one by one.
    public var maxListedSliceProblems = 10
    /// Polled before each slice: when it returns true the study is abandoned (nothing of it is kept) and
    /// `wasInterrupted` is set, so that a stop request is honoured within a slice, not a study.
    public var stopRequested: @Sendable () -> Bool = { false }
    /// Called before each slice with the slices done and the series' slice count, for a progress display.
    public var sliceProgress: @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }
    /// Whether the last `score(studyAt:)` was abandoned for a stop request; its outcome is then meaningless.
    public private(set) var wasInterrupted = false

    /// One engine per lane, or one used on the calling thread when there are no lanes.
    private let engines: [InferenceEngine]
    private let lanes: [InferenceLane]
    private var bytes: [UInt8] = []
    private var samples: [UInt16] = []
    private var suv: [Float] = []
    private var scratch: [Float] = []
    private var resampler: SliceResampler?

    public init(model: ScoringModel, batchSize: Int = InferenceEngine.preferredBatch, inferenceLanes: Int = 0) {
        self.model = model
        self.batchSize = batchSize
        // A lane's engine has two batches' worth of input slots: one filled while the other is inferred.
        engines = (0..<max(inferenceLanes, 1)).map { _ in
            InferenceEngine(model: model, maxBatch: inferenceLanes > 0 ? 2 * batchSize : batchSize)
        }
        lanes = inferenceLanes > 0 ? engines.map { InferenceLane(engine: $0) } : []
    }

    deinit {
        for lane in lanes { lane.close() }
    }

    public func score(_ source: StudySource) -> StudyOutcome {
        switch source {
        case .sidecarFolder(let folder): score(studyAt: folder)
        case .dicom(let files): score(dicom: files)
        case .unreadableDICOM(let file):
            .failed(StudyFailure(path: file.url.path, studyId: nil, metadata: nil, problems: [InputProblem(file: file.url.path, message: file.reason)]))
        }
    }

    public func score(studyAt folder: URL) -> StudyOutcome {
        wasInterrupted = false
        let study: Study
        do {
            study = try reader.read(folder: folder)
        } catch {
            return .failed(StudyFailure(path: folder.path, studyId: nil, metadata: nil, problems: error.problems))
        }
        return score(study, slices: .png, seriesField: "$.series") { reasons, series in
            reasons.map { $0.problem(study: study, series: series) }
        }
    }

    /// A DICOM study: mapped to the study model from its tags, refusals named by tag.
    public func score(dicom files: DICOMStudyFiles) -> StudyOutcome {
        let reading: DICOMStudyReading
        do {
            reading = try DICOMStudyMapper(options: dicomOptions).map(files)
        } catch {
            return .failed(StudyFailure(path: files.root.path, studyId: files.studyInstanceUID, metadata: error.metadata, problems: error.problems))
        }
        return score(reading.study, slices: .dicom(reading.seriesInstances), seriesField: "Modality (0008,0060)") { reasons, series in
            reasons.map { DICOMSUVProblems.problem($0, instances: reading.seriesInstances[series.index]) }
        }
    }

    /// How a study's slice files are encoded; for DICOM, the instances of each series, as its slices
    /// are ordered, with what discovery read of them.
    enum SliceEncoding {
        case png
        case dicom([[DICOMInstance]])
    }

    enum SliceDecoding {
        case success((width: Int, height: Int))
        case failure(InputProblem)
    }

    private func score(
        _ study: Study, slices encoding: SliceEncoding, seriesField: String,
        problems: ([SUVUnavailableReason], Series) -> [InputProblem]
    ) -> StudyOutcome {
        let modality = model.manifest.input.modality.uppercased()
        guard let series = study.series.first(where: { $0.modality.uppercased() == modality }) else {
            return failure(study, [InputProblem(file: study.sidecarPath, field: seriesField, value: study.series.map(\.modality).joined(separator: ", "),
                                                message: "no \(modality) series for model \(model.id)")])
        }
        guard model.manifest.input.units.uppercased() == "SUV" else {
            // A CT model reads Hounsfield units: the series' rescale alone.
            return score(series, of: study, map: AffineSliceMap(rescaleOf: series), provenance: nil, encoding: encoding)
        }
        switch SUVCalibrator.calibrate(series: series, of: study) {
        case .unavailable(let reasons):
            return failure(study, problems(reasons, series))
        case .calibrated(let calibration):
            return score(series, of: study, map: calibration.map, provenance: calibration.provenance, encoding: encoding)
        }
    }

    /// Decodes slice `index` of `series` into `samples`; its size, or the problem naming the file.
    private func decodeSlice(_ index: Int, of series: Series, encoding: SliceEncoding) -> SliceDecoding {
        let url = series.slices[index].url
        switch encoding {
        case .png:
            do {
                let header = try decoder.decodeFile(atPath: url.path, bytes: &bytes, into: &samples)
                return .success((header.width, header.height))
            } catch {
                return .failure(InputProblem(file: error.file, message: error.reason))
            }
        case .dicom(let seriesInstances):
            // The header was parsed when the study was discovered: only the pixels are read here, unless
            // the file changed since or its pixels need the whole file parsed.
            let instance = seriesInstances[series.index][index]
            do {
                if let frame = try dicomReader.readFrame(of: instance, into: &samples) {
                    return .success((frame.width, frame.height))
                }
            } catch {
                switch error {
                case .unreadable(let reason): return .failure(InputProblem(file: url.path, message: reason))
                case .dicom(let error): return .failure(InputProblem(file: url.path, message: error.description))
                }
            }
            do {
                try FileBytes.read(path: url.path, into: &bytes)
            } catch {
                return .failure(InputProblem(file: error.file, message: error.reason))
            }
            do {
                let frame = try dicomDecoder.grayscaleFrame(instance.frame, of: DICOMParser().parse(bytes), into: &samples)
                return .success((frame.width, frame.height))
            } catch {
                return .failure(InputProblem(file: url.path, message: error.description))
            }
        }
    }

    private func failure(_ study: Study, _ problems: [InputProblem]) -> StudyOutcome {
        .failed(StudyFailure(path: study.folder.path, studyId: study.identity.studyId, metadata: StudyMetadata(study), problems: problems + study.warnings))
    }

    private func score(_ series: Series, of study: Study, map: AffineSliceMap, provenance: SUVProvenance?, encoding: SliceEncoding) -> StudyOutcome {
        if let problem = FiniteValues.mapProblem(map, series: series, study: study, quantity: provenance == nil ? series.units?.text ?? "values" : "SUV") {
            return failure(study, [problem])
        }
        var timings = StudyScoringResult.StageTimings()
        var logits: [Float] = []
        logits.reserveCapacity(series.slices.count)
        var pending = 0
        var cursor = BatchCursor(lanes: lanes.count, batchSize: batchSize)
        var accumulator: EvidenceAccumulator?
        var size: (width: Int, height: Int)?
        var unusable = SliceProblemList(limit: maxListedSliceProblems)
        var context: SliceContext?
        for (index, slice) in series.slices.enumerated() {
            sliceProgress(index, series.slices.count)
            if stopRequested() {
                wasInterrupted = true
                break
            }
            var clock = DispatchTime.now().uptimeNanoseconds
            let header: (width: Int, height: Int)
            switch decodeSlice(index, of: series, encoding: encoding) {
            case .success(let size): header = size
            case .failure(let problem):
                unusable.append(problem)
                continue
            }
            timings.decodeSeconds += Self.lap(&clock)
            guard unusable.admitSize(file: slice.url.path, width: header.width, height: header.height) else { continue }
            guard unusable.isEmpty else { continue }  // the study has failed: only look for more broken slices
            if size == nil {
                size = (header.width, header.height)
                accumulator = EvidenceAccumulator(
                    width: header.width, height: header.height, columnSpacingMm: series.pixelSpacingMm.columnMm,
                    rowSpacingMm: series.pixelSpacingMm.rowMm, sliceSpacingMm: series.sliceSpacingMm, expectedSlices: series.slices.count)
            }
            convert(slice: index, with: map)
            if context == nil {
                context = SliceContext(offsetsMm: model.manifest.input.channelOffsetsMm, sliceSpacingMm: series.sliceSpacingMm,
                                       planeCount: model.manifest.input.height * model.manifest.input.width, sliceCount: series.slices.count)
            }
            addModelInput(to: &context!, width: header.width, height: header.height)
            // Last, since the accumulator keeps the slice's buffer (no copy into its ring) and hands back
            // a stale one; in place (no copy of the accumulator): it was created above if it was nil.
            if provenance != nil { accumulator!.add(handingOver: &suv) }
            timings.quantifySeconds += Self.lap(&clock)
            stackReadySlices(&context!, pending: &pending, cursor: &cursor, logits: &logits, timings: &timings)
        }
        if unusable.isEmpty, context != nil {
            stackReadySlices(&context!, pending: &pending, cursor: &cursor, logits: &logits, timings: &timings)
        }
        if pending > 0, unusable.isEmpty, !wasInterrupted {
            infer(&pending, cursor: &cursor, into: &logits, timings: &timings)
        }
        if !lanes.isEmpty {
            (logits, timings.modelSeconds) = collectLanes(batches: cursor.batch)
        }
        if wasInterrupted { return failure(study, [InputProblem(file: series.folder.path, message: "interrupted by a stop request")]) }
        guard unusable.isEmpty, size != nil else {
            let problems = unusable.problems(seriesFolder: series.folder.path)
            return failure(study, problems.isEmpty ? [InputProblem(file: series.folder.path, message: "no slices")] : problems)
        }
        let evidence = provenance == nil ? nil : accumulator?.result()
        let score = model.manifest.score(logits, focalContrast: evidence?.focalUptake.map { $0.candidates.first?.contrast ?? 0 })
        if let bad = FiniteValues.firstNonFinite(probability: score.probability, logits: logits, evidence: evidence) {
            return failure(study, [InputProblem(
                file: study.sidecarPath, field: series.jsonPath, value: bad,
                message: "a computed value is not finite: check the series' rescale values, spacings and the radiopharmaceutical")])
        }
        let warnings = study.warnings + (provenance?.warnings ?? []).map {
            InputProblem(.warning, file: study.sidecarPath, field: series.jsonPath, message: $0)
        } + Plausibility.flags(evidence: evidence, width: size?.width ?? 0, height: size?.height ?? 0, series: series, study: study)
        var mip: CoronalMIP?
        if let evidence, let accumulator {
            mip = CoronalMIP(
                pixels: accumulator.coronalMIP, width: accumulator.width, columnMm: accumulator.columnSpacingMm,
                rowMm: accumulator.sliceSpacingMm * Double(accumulator.mipSlicesPerRow),
                hottest: (evidence.suvMaxVoxel.column, evidence.suvMaxVoxel.slice / accumulator.mipSlicesPerRow))
        }
        return .scored(StudyScoringResult(
            studyId: study.identity.studyId, path: study.folder.path, metadata: StudyMetadata(study), series: series.folderName, modelId: model.id,
            weightsSHA256: model.weightsSHA256, probability: score.probability, logit: score.logit,
            keySlices: score.keySlices.map { .init(index: $0, file: series.slices[$0].fileName, logit: logits[$0]) },
            sliceLogits: logits, evidence: evidence, suvProvenance: provenance,
            warnings: warnings, timings: timings, mip: mip))
    }

    /// Where the next batch goes: batch k to lane k mod L, into the half of that lane's input slots
    /// that it is not reading; without lanes, slot 0 of the one engine.
    struct BatchCursor {
        let lanes: Int
        let batchSize: Int
        /// Batches handed out so far in this study.
        private(set) var batch = 0
        private var halves: [Int]

        init(lanes: Int, batchSize: Int) {
            self.lanes = lanes
            self.batchSize = batchSize
            halves = [Int](repeating: 0, count: max(lanes, 1))
        }

        var lane: Int { lanes == 0 ? 0 : batch % lanes }
        var firstSlot: Int { halves[lane] * batchSize }

        mutating func advance() {
            if lanes > 0 { halves[lane] = 1 - halves[lane] }
            batch += 1
        }
    }

    /// Infers the `pending` slices of the current batch: on its lane, or here.
    private func infer(_ pending: inout Int, cursor: inout BatchCursor, into logits: inout [Float],
                       timings: inout StudyScoringResult.StageTimings) {
        if lanes.isEmpty {
            var clock = DispatchTime.now().uptimeNanoseconds
            logits += engines[0].run(batch: pending)
            timings.modelSeconds += Self.lap(&clock)
        } else {
            lanes[cursor.lane].submit(firstSlot: cursor.firstSlot, count: pending)
        }
        cursor.advance()
        pending = 0
    }

    /// Every lane's logits, put back in batch order (batch k was lane k mod L's (k / L)-th; all batches
    /// but the study's last are full), and the lanes' inference seconds together.
    private func collectLanes(batches: Int) -> (logits: [Float], seconds: Double) {
        let results = lanes.map { $0.finish() }
        var logits: [Float] = []
        for batch in 0..<batches {
            let lane = results[batch % lanes.count].logits
            let start = (batch / lanes.count) * batchSize
            logits += lane[start..<min(start + batchSize, lane.count)]
        }
        return (logits, results.map(\.seconds).reduce(0, +))
    }

    /// Stored values → SUV (or HU) in `suv`.
    private func convert(slice: Int, with map: AffineSliceMap) {
        if suv.count != samples.count { suv = [Float](repeating: 0, count: samples.count) }
        samples.withUnsafeBufferPointer { stored in
            suv.withUnsafeMutableBufferPointer { map.convert(stored, slice: slice, into: $0) }
        }
    }

    /// `suv` resampled to the model grid and normalised, into the slice context.
    private func addModelInput(to context: inout SliceContext, width: Int, height: Int) {
        let input = model.manifest.input
        if resampler?.inputWidth != width || resampler?.inputHeight != height {
            resampler = SliceResampler(inputWidth: width, inputHeight: height, outputWidth: input.width, outputHeight: input.height)
            scratch = [Float](repeating: 0, count: resampler!.scratchCount)
        }
        guard let resampler else { return }
        context.nextSlice { destination in
            suv.withUnsafeBufferPointer { source in
                scratch.withUnsafeMutableBufferPointer { resampler.resample(source, into: destination, scratch: $0) }
            }
            input.normalise(destination)
        }
        context.commit()
    }

    /// Every slice whose neighbours have all arrived goes, stacked with them, into the engine's next
    /// input slot; full batches are inferred.
    private func stackReadySlices(_ context: inout SliceContext, pending: inout Int, cursor: inout BatchCursor, logits: inout [Float],
                                  timings: inout StudyScoringResult.StageTimings) {
        while context.nextReadyCentre != nil {
            var clock = DispatchTime.now().uptimeNanoseconds
            if pending == 0, !lanes.isEmpty {
                lanes[cursor.lane].waitUntilFree(firstSlot: cursor.firstSlot)
                _ = Self.lap(&clock)  // waiting for a lane is neither stage's work
            }
            context.stackNext(into: engines[cursor.lane].inputSlice(cursor.firstSlot + pending))
            pending += 1
            timings.quantifySeconds += Self.lap(&clock)
            if pending == batchSize {
                infer(&pending, cursor: &cursor, into: &logits, timings: &timings)
            }
        }
    }

    private static func lap(_ clock: inout UInt64) -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { clock = now }
        return Double(now - clock) / 1e9
    }
}
