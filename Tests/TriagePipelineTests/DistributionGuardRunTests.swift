import Foundation
import Logging
import Scoring
import Synthesis
import Testing
import Triage
@testable import TriagePipeline

/// The out-of-distribution guard through a whole run: the log and the worklists (at the top of the
/// page, before the ranked table) carry its warning when the run's scores are unlike the model's
/// validation scores, and nothing when they are like them.
@Suite struct DistributionGuardRunTests {
    /// Keeps every log record's level and message, for the test to read.
    final class LogRecords: @unchecked Sendable {
        private let lock = NSLock()
        private var records: [(Logger.Level, String)] = []
        func append(_ level: Logger.Level, _ message: String) { lock.withLock { records.append((level, message)) } }
        var all: [(Logger.Level, String)] { lock.withLock { records } }
    }

    struct RecordingHandler: LogHandler {
        let records: LogRecords
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
            records.append(level, message.description)
        }
    }

    static func run(_ model: ScoringModel, studies: URL, output: URL) throws -> [(Logger.Level, String)] {
        let records = LogRecords()
        let run = TriageRun(model: model, configuration: .builtIn,
                            logger: Logger(label: "guard-test") { _ in RecordingHandler(records: records) })
        _ = try run.run(studies: studies, output: output)
        return records.all
    }

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
        let warnedLog = try Self.run(unlike, studies: studies, output: warned)
        #expect(warnedLog.contains { $0.0 == .warning && $0.1 == "scores unlike validation" })
        let warnings = try #require(try Self.worklist(warned)["warnings"] as? [String])
        #expect(warnings.count == 1 && warnings[0].contains("unlike its validation studies"))
        let page = try String(contentsOf: warned.appendingPathComponent("worklist.html"), encoding: .utf8)
        let warning = try #require(page.range(of: "class=\"warning\""))
        let table = try #require(page.range(of: "<table"))
        #expect(warning.lowerBound < table.lowerBound, "the warning stands above the ranked studies")
        #expect(page.contains("look unlike its validation studies"))

        // Validation scores taken from this very run's probabilities: alike, so silent.
        let rows = try #require(try Self.worklist(warned)["rows"] as? [[String: Any]])
        let probabilities = rows.compactMap { $0["modelProbability"] as? Double }.sorted()
        #expect(probabilities.count == 12)
        let alike = ModelManifest.ValidationScores(negativeQuantiles: probabilities, positiveQuantiles: probabilities,
                                                   negativeStudies: 50, positiveStudies: 50)
        let like = try Self.model(validation: alike, in: models.appendingPathComponent("like"))
        let silent = Self.temporary("silent")
        defer { try? FileManager.default.removeItem(at: silent) }
        let silentLog = try Self.run(like, studies: studies, output: silent)
        #expect(!silentLog.contains { $0.1 == "scores unlike validation" })
        #expect(silentLog.contains { $0.1 == "run finished" }, "the log was recorded")
        #expect(try Self.worklist(silent)["warnings"] == nil)
        let quietPage = try String(contentsOf: silent.appendingPathComponent("worklist.html"), encoding: .utf8)
        #expect(!quietPage.contains("class=\"warning\""))
    }
}
