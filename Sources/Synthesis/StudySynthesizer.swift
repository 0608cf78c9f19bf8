import Dispatch
import Foundation
import SliceCodec
import StudyFormat
import Synchronization
import TriageCore

/// Writes synthetic PET (and optionally CT) studies in the study format or as DICOM, with their ground truth.
///
/// Deterministic: the bytes depend only on the options and the seed, not on thread count, because
/// each slice draws its noise from its own random stream.
public struct StudySynthesizer: Sendable {
    public let options: SynthesisOptions

    public init(options: SynthesisOptions) {
        precondition(options.studies >= 0 && options.slicesPerStudy > 0, "need a positive slice count")
        self.options = options
    }

    public struct WriteError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Writes every study into `directory` (created if needed) and returns their ground truths.
    /// Each study is written into a hidden temporary folder and renamed into place when complete, so an
    /// interrupted run never leaves a half-written study that looks whole.
    @discardableResult
    public func writeStudies(
        to directory: URL, progress: @escaping @Sendable (_ studiesDone: Int) -> Void = { _ in }
    ) throws -> [GroundTruth] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Whole studies on separate cores: slices of one study on all cores left a core idle a third
        // of the time (sidecar encoding, file creation). Bytes do not depend on the split.
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, options.studies))
        let done = Mutex(0)
        return try WorkQueue.map(count: options.studies, workers: workers, local: {}) { offset, _ in
            let truth = try writeStudy(number: options.firstStudyNumber + offset, into: directory, sliceWorkers: workers > 1 ? 1 : nil)
            progress(done.withLock { done in
                done += 1
                return done
            })
            return truth
        }
    }

    public func writeStudy(number: Int, into directory: URL) throws -> GroundTruth {
        try writeStudy(number: number, into: directory, sliceWorkers: nil)
    }

    /// `sliceWorkers` nil: all cores render this study's slices.
    func writeStudy(number: Int, into directory: URL, sliceWorkers: Int?) throws -> GroundTruth {
        let study = SyntheticStudy(number: number, options: options)
        let final = directory.appendingPathComponent(study.plan.studyId, isDirectory: true)
        let staging = directory.appendingPathComponent(".\(study.plan.studyId).partial-\(getpid())", isDirectory: true)
        let manager = FileManager.default
        try? manager.removeItem(at: staging)
        try manager.createDirectory(at: staging.appendingPathComponent("PT"), withIntermediateDirectories: true)
        let petSlopes = try writeSeries(study, modality: .pet, folder: staging.appendingPathComponent("PT"), workers: sliceWorkers)
        var ctWritten = false
        if options.includeCT {
            try manager.createDirectory(at: staging.appendingPathComponent("CT"), withIntermediateDirectories: true)
            _ = try writeSeries(study, modality: .ct, folder: staging.appendingPathComponent("CT"), workers: sliceWorkers)
            ctWritten = true
        }
        let encoder = JSONFormat.readable()
        if options.format == .png {
            try encoder.encode(study.sidecar(petSlopes: petSlopes, includeCT: ctWritten)).write(to: staging.appendingPathComponent(Study.sidecarFileName))
        }
        let truth = study.groundTruth
        try encoder.encode(truth).write(to: staging.appendingPathComponent("ground_truth.json"))
        if manager.fileExists(atPath: final.path) { try manager.removeItem(at: final) }
        try manager.moveItem(at: staging, to: final)
        return truth
    }

    /// Renders, encodes and writes every slice of one series in parallel; returns the PET slopes.
    private func writeSeries(_ study: SyntheticStudy, modality: PhantomRenderer.Modality, folder: URL, workers: Int?) throws -> [Double] {
        let count = options.slicesPerStudy
        let encoder = PNGSliceEncoder(compressionLevel: options.compressionLevel, filters: .sub, huffmanOnly: options.compressionLevel < 6)
        let dicom = SyntheticDICOMWriter(study: study)
        // Each worker keeps one reusable buffer of values.
        return try WorkQueue.map(count: count, workers: workers ?? max(ProcessInfo.processInfo.activeProcessorCount, 1), local: { [Double]() }) {
            slice, values in
            do {
                let (image, slope) = study.storedSlice(slice, modality: modality, values: &values)
                var url = folder.appendingPathComponent(SyntheticStudy.fileName(slice, of: count))
                if options.format == .dicom {
                    url = url.deletingPathExtension().appendingPathExtension("dcm")
                    try Data(dicom.slice(slice, modality: modality, image: image, slope: slope)).write(to: url)
                } else {
                    try Data(encoder.encode(image)).write(to: url)
                }
                return slope
            } catch {
                throw WriteError(path: folder.path, reason: "\(error)")
            }
        }
    }
}

extension StudySynthesizer.WriteError: UserFacingError {
    public var file: String? { path }
    public var what: String { reason }
}
