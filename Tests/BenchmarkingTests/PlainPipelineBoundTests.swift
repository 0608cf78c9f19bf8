import Foundation
import Scoring
import Synthesis
import TriageCore
import Testing
import TriagePipeline
@testable import Benchmarking

/// The plain C pipeline is a bound only if it does the same work: it must give radtriage's slice logits
/// (within float32 rounding; it sums in another order and runs every convolution through sgemm).
@Suite struct PlainPipelineBoundTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ScoringTests/Fixtures")
    static let defaultModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Models/pet-default")

    /// The default model at the usual PET size (resampling halves it) and at a size that needs fractional
    /// weights; the test models with strides, 5 × 5 kernels, average pooling, sigmoid and dense stacks.
    @Test(arguments: [
        (defaultModel, 256), (defaultModel, 200), (fixtures.appendingPathComponent("odd-stride2"), 40),
        (fixtures.appendingPathComponent("kernel5-avgpool"), 40), (fixtures.appendingPathComponent("flatten-dense"), 40),
        (fixtures.appendingPathComponent("chunked"), 40),
    ])
    func givesRadtriagesSliceLogits(modelFolder: URL, matrix: Int) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-plain-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try ScoringModel.load(from: modelFolder)
        // The plain pipeline gives a 2.5-D model's neighbouring channels copies of the slice, which is what
        // radtriage stacks for a series of one slice (every offset clamps to it).
        let slicesPerStudy = model.manifest.input.channelOffsetsMm.count > 1 ? 1 : 6
        var options = SynthesisOptions(studies: 2, slicesPerStudy: slicesPerStudy, seed: 9)
        options.petMatrix = matrix
        options.lesionProbability = 1
        try StudySynthesizer(options: options).writeStudies(to: folder)

        let scorer = StudyScorer(model: model)
        var expected: [Float] = []
        for study in ["S0001", "S0002"] {
            guard case .scored(let result) = scorer.score(studyAt: folder.appendingPathComponent(study)) else {
                Issue.record("\(study) was not scored")
                return
            }
            expected += result.sliceLogits
        }
        let bench = PipelineBench(source: .studies(folder), jobs: 1, model: model, modelArgument: nil)
        let slices = try bench.sliceFiles(under: folder).slices
        let (measurement, logits) = try PlainPipelineBound.measure(slices: slices, model: model, rounds: 1)

        #expect(measurement.slices == 2 * slicesPerStudy && measurement.seconds > 0)
        #expect(logits.count == expected.count)
        // Shared among threads, each slice is scored the same way.
        let (_, threaded) = try PlainPipelineBound.measure(slices: slices, model: model, rounds: 1, threads: 3)
        #expect(threaded == logits)
        for (index, (plain, ours)) in zip(logits, expected).enumerated() {
            #expect(abs(plain - ours) <= 1e-4 * max(1, abs(ours)), "slice \(index): plain C \(plain), radtriage \(ours)")
        }
    }

    /// DICOM studies: the plain loop reads each file's native samples from its end (no parsing) and
    /// must still give radtriage's logits, slice for slice in the same order.
    @Test func givesRadtriagesSliceLogitsOnDICOM() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-plain-dicom-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try ScoringModel.load(from: Self.defaultModel)
        // As on PNG: the plain loop scores each slice alone, so a 2.5-D model is compared on one-slice series.
        let slicesPerStudy = model.manifest.input.channelOffsetsMm.count > 1 ? 1 : 6
        var options = SynthesisOptions(studies: 2, slicesPerStudy: slicesPerStudy, seed: 9)
        options.petMatrix = 64
        options.lesionProbability = 1
        options.format = .dicom
        try StudySynthesizer(options: options).writeStudies(to: folder)

        let scorer = StudyScorer(model: model)
        var expected: [Float] = []
        for source in StudySource.studies(at: folder) {
            guard case .scored(let result) = scorer.score(source) else {
                Issue.record("\(source.path) was not scored")
                return
            }
            expected += result.sliceLogits
        }
        let bench = PipelineBench(source: .studies(folder), jobs: 1, model: model, modelArgument: nil)
        let found = try bench.sliceFiles(under: folder)
        #expect(found.studies == 2 && found.sliceSize == "64×64 PT (DICOM)")
        let (_, logits) = try PlainPipelineBound.measure(slices: found.slices, model: model, rounds: 1)
        #expect(logits.count == expected.count && expected.count == 2 * slicesPerStudy)
        for (index, (plain, ours)) in zip(logits, expected).enumerated() {
            #expect(abs(plain - ours) <= 1e-4 * max(1, abs(ours)), "slice \(index): plain C \(plain), radtriage \(ours)")
        }
        #expect(try DecodeBound.measure(slices: found.slices, rounds: 1).slices == 2 * slicesPerStudy)
    }

    @Test func aFileItCannotDecodeIsNamed() throws {
        let model = try ScoringModel.load(from: Self.defaultModel)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-not-a-png-\(UUID().uuidString).png")
        try Data("not a PNG".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let error = #expect(throws: BenchError.self) {
            _ = try PlainPipelineBound.measure(slices: [.init(path: file.path, slope: 1, intercept: 0)], model: model)
        }
        #expect(error?.description == "\(file.path): the plain C pipeline could not decode it")
    }

    /// Both file-reading bounds name the file they could not use, and fail the measurement.
    @Test func theBoundsNameAFileTheyCannotReadOrDecode() throws {
        let model = try ScoringModel.load(from: Self.defaultModel)
        let notPNG = FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-not-a-png-\(UUID().uuidString).png")
        try Data("not a PNG".utf8).write(to: notPNG)
        defer { try? FileManager.default.removeItem(at: notPNG) }
        let missing = "/nonexistent/radtriage/0001.png"

        let undecodable = #expect(throws: BenchError.self) { _ = try DecodeBound.measure(files: [notPNG.path]) }
        #expect(undecodable?.description == "\(notPNG.path): the plain libpng loop could not decode it")
        #expect(undecodable?.kind == .measurement)
        let unreadable = #expect(throws: BenchError.self) { _ = try DecodeBound.measure(files: [missing]) }
        #expect(unreadable?.description == "\(missing): cannot read the file: No such file or directory")
        let unreadableSlice = #expect(throws: BenchError.self) {
            _ = try PlainPipelineBound.measure(slices: [.init(path: missing, slope: 1, intercept: 0)], model: model)
        }
        #expect(unreadableSlice?.description == "\(missing): cannot read the file: No such file or directory")
    }
}
