import Evidence
import Foundation
import Quantification
import Scoring
import StudyFormat
import Synthesis
import Testing
import TriageCore
@testable import TriagePipeline

@Suite struct StudyScorerTests {
    /// A small reference model from the Scoring tests' fixtures: any slice size is resampled to its grid.
    static let modelFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ScoringTests/Fixtures/odd-stride2")

    static func studies(_ count: Int, slices: Int = 30, seed: UInt64 = 5) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-scorer-\(UUID().uuidString)")
        var options = SynthesisOptions(studies: count, slicesPerStudy: slices, seed: seed)
        options.petMatrix = 40
        options.lesionProbability = 1
        try StudySynthesizer(options: options).writeStudies(to: folder)
        return folder
    }

    func scored(_ outcome: StudyOutcome) -> StudyScoringResult? {
        if case .scored(let result) = outcome { return result }
        return nil
    }

    func failed(_ outcome: StudyOutcome) -> StudyFailure? {
        if case .failed(let failure) = outcome { return failure }
        return nil
    }

    @Test func scoresAStudyWithEvidenceAndKeySlices() throws {
        let folder = try Self.studies(1)
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try ScoringModel.load(from: Self.modelFolder)
        let result = try #require(scored(StudyScorer(model: model).score(studyAt: folder.appendingPathComponent("S0001"))))
        #expect(result.studyId == "S0001" && result.modelId == "reference-odd-stride2@1" && result.weightsSHA256 == model.weightsSHA256)
        #expect(result.sliceLogits.count == 30)
        // Aggregation: mean of the k = 2 highest logits, whose slices are the key slices.
        let top = result.sliceLogits.enumerated().sorted { $0.element > $1.element }.prefix(2)
        #expect(result.keySlices.map(\.index) == top.map(\.offset))
        #expect(abs(result.logit - top.map { Double($0.element) }.reduce(0, +) / 2) < 1e-9)
        #expect(abs(result.probability - 1 / (1 + exp(-result.logit))) < 1e-12)
        #expect(result.keySlices.first?.file == String(format: "%04d.png", top.first!.offset + 1))
        let evidence = try #require(result.evidence)
        #expect(evidence.suvMax > 1 && evidence.suvPeak <= evidence.suvMax)
        #expect(result.suvProvenance?.decayCorrection == .start)
    }

    /// A model whose input is CT in HU reads the CT series through its rescale alone: no SUV, no evidence.
    @Test func aCTModelReadsHounsfieldUnits() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-ct-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var options = SynthesisOptions(studies: 1, slicesPerStudy: 12, seed: 5)
        options.petMatrix = 24
        options.ctMatrix = 32
        options.includeCT = true
        try StudySynthesizer(options: options).writeStudies(to: folder.appendingPathComponent("studies"))
        let modelFolder = folder.appendingPathComponent("ct-model")
        try FileManager.default.createDirectory(at: modelFolder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.modelFolder.appendingPathComponent("weights.safetensors"), to: modelFolder.appendingPathComponent("weights.safetensors"))
        var manifest = try JSONDecoder().decode(ModelManifest.self, from: Data(contentsOf: Self.modelFolder.appendingPathComponent("manifest.json")))
        manifest.input.modality = "CT"
        manifest.input.units = "HU"
        manifest.input.clipMin = -1000
        manifest.input.clipMax = 1000
        manifest.input.scale = 0.001
        try JSONEncoder().encode(manifest).write(to: modelFolder.appendingPathComponent("manifest.json"))
        let model = try ScoringModel.load(from: modelFolder)
        let result = try #require(scored(StudyScorer(model: model).score(studyAt: folder.appendingPathComponent("studies/S0001"))))
        #expect(result.series == "CT" && result.sliceLogits.count == 12)
        #expect(result.evidence == nil && result.suvProvenance == nil)
        manifest.input.units = "CNTS"
        try JSONEncoder().encode(manifest).write(to: modelFolder.appendingPathComponent("manifest.json"))
        #expect(throws: ModelLoadingError.invalidManifest(model: modelFolder.path, reason: "input units CNTS are not supported (SUV for PET, HU for CT)")) {
            try ScoringModel.load(from: modelFolder)
        }
    }

    @Test func batchSizeDoesNotChangeAnyLogit() throws {
        let folder = try Self.studies(1, slices: 37)
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try ScoringModel.load(from: Self.modelFolder)
        let study = folder.appendingPathComponent("S0001")
        let logits = [1, 5, 16, 64].map { scored(StudyScorer(model: model, batchSize: $0).score(studyAt: study))?.sliceLogits }
        #expect(logits.allSatisfy { $0 != nil && $0 == logits[0] })
    }

    /// Inference on lanes of its own (one to three, batches handed out in turn) gives the same logits in
    /// the same order and the same evidence, for any batch size, study after study on the same scorer;
    /// and a study that fails half-way leaves the scorer ready for the next.
    @Test func overlappedInferenceChangesNothing() throws {
        let folder = try Self.studies(2, slices: 37)
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try ScoringModel.load(from: Self.modelFolder)
        let studies = ["S0001", "S0002"].map { folder.appendingPathComponent($0) }
        let plain = StudyScorer(model: model, batchSize: 4)
        let expected = try studies.map { try #require(scored(plain.score(studyAt: $0))) }
        for (batch, lanes) in [(1, 1), (4, 1), (16, 1), (64, 1), (4, 2), (5, 3), (16, 2)] {
            let overlapped = StudyScorer(model: model, batchSize: batch, inferenceLanes: lanes)
            for (study, reference) in zip(studies, expected) {
                let result = try #require(scored(overlapped.score(studyAt: study)))
                #expect(result.sliceLogits == reference.sliceLogits && result.probability == reference.probability,
                        "batch \(batch), \(lanes) lanes")
                #expect(result.evidence == reference.evidence && result.keySlices == reference.keySlices)
            }
        }
        let overlapped = StudyScorer(model: model, batchSize: 4, inferenceLanes: 2)
        let pt = studies[0].appendingPathComponent("PT")
        try Data(try Data(contentsOf: pt.appendingPathComponent("0020.png")).prefix(60)).write(to: pt.appendingPathComponent("0020.png"))
        #expect(failed(overlapped.score(studyAt: studies[0])) != nil)
        #expect(try #require(scored(overlapped.score(studyAt: studies[1]))).sliceLogits == expected[1].sliceLogits)
    }

    @Test func failuresNameTheirCause() throws {
        let folder = try Self.studies(4)
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try ScoringModel.load(from: Self.modelFolder)
        let scorer = StudyScorer(model: model)
        // S0001: a truncated slice and a slice of another size.
        let pt = folder.appendingPathComponent("S0001/PT")
        try Data(try Data(contentsOf: pt.appendingPathComponent("0004.png")).prefix(60)).write(to: pt.appendingPathComponent("0004.png"))
        var small = SynthesisOptions(studies: 1, slicesPerStudy: 30, seed: 5)
        small.petMatrix = 20
        let other = folder.appendingPathComponent("other")
        try StudySynthesizer(options: small).writeStudies(to: other)
        try FileManager.default.removeItem(at: pt.appendingPathComponent("0009.png"))
        try FileManager.default.copyItem(at: other.appendingPathComponent("S0001/PT/0009.png"), to: pt.appendingPathComponent("0009.png"))
        let broken = try #require(failed(scorer.score(studyAt: folder.appendingPathComponent("S0001"))))
        #expect(broken.studyId == "S0001")
        #expect(broken.errors.map { URL(fileURLWithPath: $0.file).lastPathComponent } == ["0004.png", "0009.png"])
        #expect(broken.errors[1].message.contains("differs from the series' 40 × 40") && broken.errors[1].value == "20 × 20")
        // S0002: no weight, so no SUV.
        let sidecar = folder.appendingPathComponent("S0002/study.json")
        var json = try JSONDecoder().decode(StudySidecar.self, from: Data(contentsOf: sidecar))
        json.patientWeightKg = nil
        try JSONEncoder().encode(json).write(to: sidecar)
        let noWeight = try #require(failed(scorer.score(studyAt: folder.appendingPathComponent("S0002"))))
        #expect(noWeight.reason == "error: \(sidecar.path): $.patientWeightKg: SUV not computable: patient weight missing or zero")
        // S0003: only a CT series.
        let ctOnly = folder.appendingPathComponent("S0003/study.json")
        var ct = try JSONDecoder().decode(StudySidecar.self, from: Data(contentsOf: ctOnly))
        ct.series[0].modality = "CT"
        try JSONEncoder().encode(ct).write(to: ctOnly)
        let noPET = try #require(failed(scorer.score(studyAt: folder.appendingPathComponent("S0003"))))
        #expect(noPET.reason.contains("no PT series for model reference-odd-stride2@1"))
        // S0004 is untouched and still scores: one failure does not stop the others.
        #expect(scored(scorer.score(studyAt: folder.appendingPathComponent("S0004"))) != nil)
        // A folder without a sidecar.
        let empty = try #require(failed(scorer.score(studyAt: folder.appendingPathComponent("other"))))
        #expect(empty.reason.contains("study.json not found"))
    }
}
