import Foundation
import Logging
import Scoring
import Synthesis
import Testing
import Triage
@testable import TriagePipeline

/// The out-of-distribution guard through a whole run: the worklists carry its warning when the run's
/// scores are unlike the model's validation scores, and nothing when they are like them.
@Suite struct DistributionGuardRunTests {
    static func temporary(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-guard-\(name)-\(UUID().uuidString)")
    }

    /// The default model with the given validation scores in its manifest.
    static func model(validation: ModelManifest.ValidationScores, in folder: URL) throws -> ScoringModel {
        try FileManager.default.copyItem(at: StudyScorerTests.modelFolder, to: folder)
        let url = folder.appendingPathComponent("manifest.json")
        var manifest = try JSONDecoder().decode(ModelManifest.self, from: Data(contentsOf: url))
        manifest.validationScores = validation
        try JSONEncoder().encode(manifest).write(to: url)
        return try ScoringModel.load(from: folder)
    }

    static func worklist(_ output: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("worklist.json"))) as? [String: Any])
    }

    @Test func aRunUnlikeValidationWarnsAndARunLikeItDoesNot() throws {
        let studies = Self.temporary("studies"), models = Self.temporary("models")
        defer { for url in [studies, models] { try? FileManager.default.removeItem(at: url) } }
        var options = SynthesisOptions(studies: 12, slicesPerStudy: 24, seed: 41)
        options.petMatrix = 64
        try StudySynthesizer(options: options).writeStudies(to: studies)

        // Validation scores all near zero: whatever this run scores, it is unlike them.
        let low = ModelManifest.ValidationScores(negativeQuantiles: [0, 0.0005, 0.001], positiveQuantiles: [0, 0.0005, 0.001],
                                                 negativeStudies: 50, positiveStudies: 50)
        let unlike = try Self.model(validation: low, in: models.appendingPathComponent("low"))
        let warned = Self.temporary("warned")
        defer { try? FileManager.default.removeItem(at: warned) }
        _ = try TriageRun(model: unlike, configuration: .builtIn, logger: Logger(label: "test")).run(studies: studies, output: warned)
        let warnings = try #require(try Self.worklist(warned)["warnings"] as? [String])
        #expect(warnings.count == 1 && warnings[0].contains("unlike its validation studies"))
        let page = try String(contentsOf: warned.appendingPathComponent("worklist.html"), encoding: .utf8)
        #expect(page.contains("class=\"warning\""))

        // Validation scores taken from this very run's probabilities: alike, so silent.
        let rows = try #require(try Self.worklist(warned)["rows"] as? [[String: Any]])
        let probabilities = rows.compactMap { $0["modelProbability"] as? Double }.sorted()
        #expect(probabilities.count == 12)
        let alike = ModelManifest.ValidationScores(negativeQuantiles: probabilities, positiveQuantiles: probabilities,
                                                   negativeStudies: 50, positiveStudies: 50)
        let like = try Self.model(validation: alike, in: models.appendingPathComponent("like"))
        let silent = Self.temporary("silent")
        defer { try? FileManager.default.removeItem(at: silent) }
        _ = try TriageRun(model: like, configuration: .builtIn, logger: Logger(label: "test")).run(studies: studies, output: silent)
        #expect(try Self.worklist(silent)["warnings"] == nil)
        let quietPage = try String(contentsOf: silent.appendingPathComponent("worklist.html"), encoding: .utf8)
        #expect(!quietPage.contains("class=\"warning\""))
    }
}
