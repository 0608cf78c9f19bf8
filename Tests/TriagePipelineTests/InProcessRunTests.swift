import Foundation
import InMemoryLogging
import Logging
import Scoring
import Synchronization
import Synthesis
import Testing
import Triage
import TriageCore
@testable import TriagePipeline

/// Whole runs in the process, with their log lines in memory and the stop requested at a chosen point
/// of the run (instead of a signal sent after a delay): what the end-to-end tests of the binary check
/// with timing, here without.
@Suite struct InProcessRunTests {
    static let now = ISO8601DateFormatter().date(from: "2026-11-23T08:00:00Z")!

    static func synth(_ count: Int, first: Int = 1, slices: Int = 12, into folder: URL) throws {
        var options = SynthesisOptions(studies: count, slicesPerStudy: slices, seed: 11)
        options.petMatrix = 40
        options.firstStudyNumber = first
        try StudySynthesizer(options: options).writeStudies(to: folder)
    }

    static func folder(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-inprocess-\(name)-\(UUID().uuidString)")
    }

    static func worklists(in output: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: output.path) where name.hasPrefix("worklist") {
            files[name] = try Data(contentsOf: output.appendingPathComponent(name))
        }
        return files
    }

    static func run(_ logs: InMemoryLogHandler, jobs: Int = 1) throws -> TriageRun {
        var run = TriageRun(model: try ScoringModel.load(from: StudyScorerTests.modelFolder), configuration: .builtIn,
                            logger: Logger(label: "test") { _ in logs })
        run.jobs = jobs
        return run
    }

    static func messages(_ logs: InMemoryLogHandler, _ message: String) -> [InMemoryLogHandler.Entry] {
        logs.entries.filter { $0.message.description == message }
    }

    @Test func aStopRequestedAfterTwoStudiesSavesThemAndTheNextRunDoesTheRest() throws {
        let studies = Self.folder("studies"), out = Self.folder("out")
        defer { for url in [studies, out] { try? FileManager.default.removeItem(at: url) } }
        try Self.synth(2, into: studies)
        let logs = InMemoryLogHandler()
        _ = try Self.run(logs).run(studies: studies, output: out, now: Self.now)
        let previous = try Self.worklists(in: out)
        try Self.synth(4, first: 3, into: studies)

        // Stop as soon as two studies of this run are scored: polled before each study and each slice.
        let stopping = InMemoryLogHandler()
        var run = try Self.run(stopping)
        run.stopRequest = { Self.messages(stopping, "study scored").count >= 2 ? SIGTERM : nil }
        let stopped = try #require(throws: TriageRun.Stopped.self) { try run.run(studies: studies, output: out, now: Self.now) }
        #expect(stopped.signal == SIGTERM && stopped.scored == 2 && stopped.remaining == 2)
        #expect(Self.messages(stopping, "study scored").count == 2)
        #expect(Self.messages(stopping, "run stopped").first?.metadata["scored"] == "2")
        #expect(try Self.worklists(in: out) == previous, "a stopped run keeps the previous worklists")

        let next = try Self.run(InMemoryLogHandler()).run(studies: studies, output: out, now: Self.now)
        #expect(next.studies == 6 && next.scored == 2 && next.skipped == 4 && next.failed == 0)
    }

    @Test func aStopInsideALargeStudyKeepsNothingOfItAndReportsItsSlices() throws {
        let studies = Self.folder("studies"), out = Self.folder("out")
        defer { for url in [studies, out] { try? FileManager.default.removeItem(at: url) } }
        try Self.synth(1, slices: 60, into: studies)
        let reports = Mutex([RunProgress]())
        var run = try Self.run(InMemoryLogHandler())
        // Stop once the progress shows 20 slices of the study done: deterministic, inside the study.
        run.stopRequest = { reports.withLock { $0.last?.slicesDone ?? 0 } >= 20 ? SIGINT : nil }
        let stopped = try #require(throws: TriageRun.Stopped.self) {
            try run.run(studies: studies, output: out, now: Self.now) { progress in reports.withLock { $0.append(progress) } }
        }
        #expect(stopped.signal == SIGINT && stopped.scored == 0 && stopped.remaining == 1)
        let seen = reports.withLock { $0 }
        #expect(seen.map(\.slicesDone) == Array(0...20) && seen.allSatisfy { $0.slices == 60 && $0.studies == 1 && $0.studiesDone == 0 })

        let next = try Self.run(InMemoryLogHandler()).run(studies: studies, output: out, now: Self.now)
        #expect(next.scored == 1 && next.skipped == 0, "the interrupted study was not saved, so the next run scores it")
    }

    @Test func progressCountsSlicesWithinEachStudyAndStudiesAsTheyFinish() throws {
        let studies = Self.folder("studies"), out = Self.folder("out")
        defer { for url in [studies, out] { try? FileManager.default.removeItem(at: url) } }
        try Self.synth(2, slices: 15, into: studies)
        let reports = Mutex([RunProgress]())
        let logs = InMemoryLogHandler()
        let summary = try Self.run(logs).run(studies: studies, output: out, now: Self.now) { progress in reports.withLock { $0.append(progress) } }
        #expect(summary.scored == 2)
        let seen = reports.withLock { $0 }
        let expected = (0..<15).map { RunProgress(studiesDone: 0, studies: 2, slicesDone: $0, slices: 15) }
            + [RunProgress(studiesDone: 1, studies: 2)]
            + (0..<15).map { RunProgress(studiesDone: 1, studies: 2, slicesDone: $0, slices: 15) }
            + [RunProgress(studiesDone: 2, studies: 2)]
        #expect(seen == expected)
        // One line per study and one summary, none of them naming a patient or a path by default.
        #expect(Self.messages(logs, "study scored").count == 2 && Self.messages(logs, "run finished").count == 1)
        #expect(!logs.entries.contains { entry in entry.metadata.values.contains { "\($0)".contains(studies.path) } })
    }
}
