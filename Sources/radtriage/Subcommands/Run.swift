import ArgumentParser
import Foundation
import Scoring
import Triage
import TriagePipeline

/// `radtriage run`: scores every study under a folder, ranks them, and writes the worklists.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score and rank every study under a folder and write the worklists (CSV, JSON, HTML).",
        discussion: """
            Writes worklist.csv, worklist.json and worklist.html into --out (and worklist-<pool>.* per reading \
            pool), each replaced atomically. Studies that cannot be read or scored stay on the worklist, marked \
            failed, with their reason. One run at a time per output folder: a second run exits at once with 75. \
            Exit codes: 0 all scored; 1 finished, some studies failed; 64 usage error; 73 the output could not be \
            written; 75 another run is active; 78 configuration or model error.
            """)

    @Option(help: "Folder of study folders (or one study folder).")
    var studies: String

    @Option(help: "Output folder for the worklists (created if missing).")
    var out: String

    @Option(help: "YAML configuration (Docs/radtriage.example.yaml); default: built-in weights, no boards, no pools.")
    var config: String?

    @Option(help: "Model folder. Default: $RADTRIAGE_MODEL, else Models/pet-default.")
    var model: String?

    @Option(help: "Rank as of this ISO 8601 time instead of now (for reproducing a run).")
    var now: String?

    @Option(help: "Studies scored at the same time (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        logging.bootstrap()
        let configuration: TriageConfiguration
        do {
            configuration = try config.map { file throws(ConfigurationError) in try ConfigurationLoader().load(file: file) } ?? .builtIn
        } catch {
            FileHandle.standardError.write(Data("Error: invalid configuration:\n\(error)\n".utf8))
            throw ExitCode.configuration
        }
        let loaded = try ModelLocation.load(model)
        var at = Date()
        if let now {
            guard let parsed = ISO8601DateFormatter().date(from: now) else { throw ValidationError("--now must be an ISO 8601 time such as 2026-11-23T08:00:00Z") }
            at = parsed
        }
        let progress = ProgressLine(total: 0, unit: "studies")
        let summary: TriageRun.Summary
        do {
            var triage = TriageRun(model: loaded, configuration: configuration)
            triage.jobs = jobs
            triage.logIdentifiers = logging.logIdentifiers
            summary = try triage.run(
                studies: URL(fileURLWithPath: studies), output: URL(fileURLWithPath: out), now: at) { done, total in
                    progress.update(done, of: total)
                }
        } catch let error as RunLock.Busy {
            progress.finish()
            FileHandle.standardError.write(Data("radtriage: \(error)\n".utf8))
            throw ExitCode.anotherRunActive
        } catch let error as TriageRun.RunError {
            progress.finish()
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw error.kind == .output ? ExitCode.cannotWriteOutput : ExitCode.usage
        } catch {
            progress.finish()
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitCode.cannotWriteOutput
        }
        progress.finish()
        print("\(summary.studies) studies: \(summary.scored) scored, \(summary.failed) failed; \(summary.slices) slices in "
              + String(format: "%.1f s", summary.seconds) + "; worklists in \(out)")
        if summary.failed > 0 { throw ExitCode.someInputUnusable }
    }
}
