import Foundation
import Glibc
import GRDB
import Logging
import Scoring
import Synthesis
import Testing
import Triage
import TriageCore
@testable import TriagePipeline

/// The worklists of SampleData/ and of a synthetic folder, byte for byte, against the ones committed in
/// Golden/ (first written by release 0.2.0 with scripts/golden-worklists.sh), and a run state written by
/// that release, opened and upgraded by today's code without scoring anything again.
///
/// A change that alters the worklists on purpose (the model, the ranking, the synthesis) rewrites the
/// expected files with `RADTRIAGE_UPDATE_GOLDEN=1 swift test --filter GoldenWorklistTests`, and says so in
/// its commit. The model and the configuration are pinned copies in Golden/, so a new default model does
/// not change these files.
@Suite(.serialized) struct GoldenWorklistTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    static let repository = golden.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The time the worklists are ranked at (scripts/golden-worklists.sh passes the same to --now).
    static let now = Date(timeIntervalSince1970: 1_795_420_800)  // 2026-11-23T08:00:00Z
    /// Every input file's modification time, as the script sets it: the state's fingerprints include it.
    static let inputModificationTime = 1_767_225_600
    /// Where the script writes the study folders: the state's keys, and the paths in failed studies' reasons.
    static let scriptRoot = "/tmp/radtriage-golden"

    static var updating: Bool { ProcessInfo.processInfo.environment["RADTRIAGE_UPDATE_GOLDEN"] == "1" }

    static func temporaryFolder(_ name: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-golden-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// SampleData's study folders, copied with the script's modification times.
    static func sampleStudies(in folder: URL) throws -> URL {
        let studies = folder.appendingPathComponent("SampleData")
        try FileManager.default.createDirectory(at: studies, withIntermediateDirectories: true)
        let source = repository.appendingPathComponent("SampleData")
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) where name.hasPrefix("S") {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: studies.appendingPathComponent(name))
        }
        let files = FileManager.default.enumerator(atPath: studies.path)
        while let relative = files?.nextObject() as? String {
            let path = studies.appendingPathComponent(relative).path
            var info = stat()
            guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            let times = [timespec(tv_sec: inputModificationTime, tv_nsec: 0), timespec(tv_sec: inputModificationTime, tv_nsec: 0)]
            try #require(utimensat(AT_FDCWD, path, times, 0) == 0, "set the modification time of \(path)")
        }
        return studies
    }

    /// The synthetic folder the script writes with `radtriage synth --studies 4 --slices 24 --matrix 64 --seed 11`.
    static func syntheticStudies(in folder: URL) throws -> URL {
        let studies = folder.appendingPathComponent("synth")
        var options = SynthesisOptions(studies: 4, slicesPerStudy: 24, seed: 11)
        options.petMatrix = 64
        options.lesionProbability = 0.5
        try StudySynthesizer(options: options).writeStudies(to: studies)
        return studies
    }

    static func run(_ studies: URL, into output: URL) throws -> TriageRun.Summary {
        let model = try ScoringModel.load(from: golden.appendingPathComponent("model"))
        let configuration = try ConfigurationLoader().load(file: golden.appendingPathComponent("radtriage.yaml").path)
        var run = TriageRun(model: model, configuration: configuration, logger: Logger(label: "golden") { _ in SwiftLogNoOpLogHandler() })
        run.jobs = 2
        return try run.run(studies: studies, output: output, now: now)
    }

    static func worklistFiles(in folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("worklist") }.sorted()
    }

    /// Every worklist file of `output` equals its expected copy (or replaces it, when updating), once the
    /// studies' folder is named as the script named it (a failed study's reason names its file).
    static func expectSameWorklists(_ output: URL, studies: URL, as expectedName: String) throws {
        let expected = golden.appendingPathComponent(expectedName)
        let written = try worklistFiles(in: output)
        func normalised(_ name: String) throws -> Data {
            let text = String(decoding: try Data(contentsOf: output.appendingPathComponent(name)), as: UTF8.self)
            return Data(text.replacingOccurrences(of: studies.path, with: "\(scriptRoot)/\(studies.lastPathComponent)").utf8)
        }
        if updating {
            try? FileManager.default.removeItem(at: expected)
            try FileManager.default.createDirectory(at: expected, withIntermediateDirectories: true)
            for name in written { try normalised(name).write(to: expected.appendingPathComponent(name)) }
            return
        }
        #expect(written == (try worklistFiles(in: expected)), "the set of worklist files differs from Golden/\(expectedName)")
        for name in written {
            let (actual, actualProbabilities) = withoutProbabilities(try normalised(name))
            let (wanted, wantedProbabilities) = withoutProbabilities(try Data(contentsOf: expected.appendingPathComponent(name)))
            #expect(actual == wanted, "\(name) differs from Golden/\(expectedName)/\(name) (\(actual.count) against \(wanted.count) bytes; to accept a deliberate change, see scripts/golden-worklists.sh)")
            #expect(actualProbabilities.count == wantedProbabilities.count
                    && zip(actualProbabilities, wantedProbabilities).allSatisfy { abs($0 - $1) <= probabilityTolerance },
                    "\(name): model probabilities \(actualProbabilities) against \(wantedProbabilities)")
        }
    }

    /// The JSON's full-precision model probabilities taken out of the text: they come from float32 sgemm,
    /// whose last bits depend on the kernel OpenBLAS picks for the CPU (AVX2 or AVX-512), so they are
    /// compared within 1e-6 and the rest of the file byte for byte.
    static let probabilityTolerance = 1e-6

    static func withoutProbabilities(_ data: Data) -> (text: String, probabilities: [Double]) {
        let key = "\"modelProbability\" : "
        var rest = Substring(String(decoding: data, as: UTF8.self))
        var text = ""
        var probabilities: [Double] = []
        while let keyRange = rest.range(of: key) {
            let end = rest[keyRange.upperBound...].firstIndex { !"0123456789.eE+-".contains($0) } ?? rest.endIndex
            probabilities.append(Double(rest[keyRange.upperBound..<end]) ?? .nan)
            text += rest[..<keyRange.upperBound] + "_"
            rest = rest[end...]
        }
        text += rest
        return (text, probabilities)
    }

    @Test func sampleDataWorklistsAreUnchanged() throws {
        let folder = try Self.temporaryFolder("sample")
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("out")
        let studies = try Self.sampleStudies(in: folder)
        let summary = try Self.run(studies, into: output)
        #expect(summary.studies == 3 && summary.scored == 2 && summary.failed == 1)  // S0003 has a truncated slice
        try Self.expectSameWorklists(output, studies: studies, as: "sample")
    }

    @Test func syntheticFolderWorklistsAreUnchanged() throws {
        let folder = try Self.temporaryFolder("synth")
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("out")
        let studies = try Self.syntheticStudies(in: folder)
        let summary = try Self.run(studies, into: output)
        #expect(summary.studies == 4 && summary.scored == 4)
        try Self.expectSameWorklists(output, studies: studies, as: "synth")
    }

    /// The state written by release 0.2.0 over SampleData: today's code migrates it and keeps every result;
    /// the next run takes the failure from it and scores again only the two results that lack the focal
    /// uptake 0.2.0 did not compute (migration v4), and writes the worklists of scoring afresh.
    @Test func stateOfRelease020IsUpgradedAndOnlyWhatLacksFocalUptakeIsScoredAgain() throws {
        let folder = try Self.temporaryFolder("state")
        defer { try? FileManager.default.removeItem(at: folder) }
        let studies = try Self.sampleStudies(in: folder)
        let output = folder.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let state = output.appendingPathComponent("radtriage-state.sqlite")
        try FileManager.default.copyItem(at: Self.golden.appendingPathComponent("state/radtriage-state.sqlite"), to: state)
        // The same studies, moved: the state knows them by the folder the script used.
        let before = try DatabaseQueue(path: state.path)
        let applied = try before.write { db in
            try db.execute(sql: "UPDATE study SET folder = replace(folder, ?, ?)", arguments: ["\(Self.scriptRoot)/SampleData", studies.standardizedFileURL.path])
            return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
        }
        try before.close()
        #expect(applied == ["v1: studies with fingerprints and results, one row per run"])

        // Opening the state upgrades it (here through what `simulate --state` reads).
        #expect(try TriageRun.storedCandidates(output: output).count == 3)
        let after = try DatabaseQueue(path: state.path)
        let (migrations, outcomes, versions) = try after.read { db in
            (try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid"),
             try Data.fetchAll(db, sql: "SELECT outcome FROM study ORDER BY folder"),
             try Int.fetchAll(db, sql: "SELECT resultVersion FROM study ORDER BY folder"))
        }
        try after.close()
        #expect(migrations.count > applied.count && Array(migrations.prefix(applied.count)) == applied)
        #expect(versions == [2, 2, 3], "S0001 and S0002 lack the focal uptake; S0003's failure needs none")
        // The upgraded results say what scoring the study today says (the hottest voxel in particular).
        let model = try ScoringModel.load(from: Self.golden.appendingPathComponent("model"))
        let scorer = StudyScorer(model: model)
        let folders = try FileManager.default.contentsOfDirectory(atPath: studies.path).sorted()
        #expect(outcomes.count == folders.count)
        for (name, stored) in zip(folders, outcomes) {
            let upgraded = try JSONDecoder().decode(StudyOutcome.self, from: stored)
            switch (upgraded, scorer.score(studyAt: studies.appendingPathComponent(name))) {
            case (.scored(let upgraded), .scored(var fresh)):
                // 0.2.0 stored no focal uptake: the rest must agree.
                fresh.evidence?.focalUptake = nil
                #expect(upgraded.evidence == fresh.evidence
                        && abs(upgraded.probability - fresh.probability) <= Self.probabilityTolerance, "\(name)")
            case (.failed(let upgraded), .failed(let fresh)):
                #expect(upgraded.problems.map(\.message) == fresh.problems.map(\.message), "\(name)")
            default:
                Issue.record("\(name): the upgraded result and today's disagree on whether the study scored")
            }
        }

        let summary = try Self.run(studies, into: output)
        #expect(summary.studies == 3 && summary.skipped == 1 && summary.scored == 2 && summary.failed == 0,
                "the failure is reused; the two results without focal uptake are scored again")
        try Self.expectSameWorklists(output, studies: studies, as: "sample")
    }

    /// A state of the build before migration v4 (schema v3, results that have the focal uptake) is
    /// upgraded and re-scores nothing: the worklists are those of scoring afresh.
    @Test func stateOfTheBuildBeforeV4IsUpgradedWithoutScoringAgain() throws {
        let folder = try Self.temporaryFolder("state-v3")
        defer { try? FileManager.default.removeItem(at: folder) }
        let studies = try Self.sampleStudies(in: folder)
        let output = folder.appendingPathComponent("out")
        _ = try Self.run(studies, into: output)
        // Back to what that build wrote: its results had version 2, and v4 had not run.
        let database = try DatabaseQueue(path: output.appendingPathComponent("radtriage-state.sqlite").path)
        try database.write { db in
            try db.execute(sql: "UPDATE study SET resultVersion = 2")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier LIKE 'v4:%'")
        }
        try database.close()
        let summary = try Self.run(studies, into: output)
        #expect(summary.studies == 3 && summary.skipped == 3 && summary.scored == 0 && summary.slices == 0,
                "results that have every piece of evidence are reused, not scored again")
        try Self.expectSameWorklists(output, studies: studies, as: "sample")
    }
}
