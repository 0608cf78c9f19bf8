import ArgumentParser
import DICOMStudy
import Foundation
import Logging
import RunState
import Scoring
import Triage
import TriageCore
import TriagePipeline

/// `radtriage run`: scores every study under a folder, ranks them, and writes the worklists.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score and rank every study under a folder and write the worklists (CSV, JSON, HTML).",
        discussion: """
            Writes worklist.csv, worklist.json and worklist.html into --out (and worklist-<pool>.* per reading \
            pool), each replaced atomically. Studies that cannot be read or scored stay on the worklist, marked \
            failed, with their reason. The run state, --out/radtriage-state.sqlite, keeps every study's result: \
            a run scores only new or changed studies (or all of them after a model or version change, or with \
            --full) and ranks them all as of now. One run at a time per output folder: a second run exits at \
            once with 75. With --shard K/N (or --shard auto, --shards N in a Slurm array or a Kubernetes \
            Indexed Job) only the shard's studies are scored and a shard result, --out/shard-result.jsonl, is \
            written for `radtriage merge`. SIGTERM or SIGINT stops after the studies in progress, saves them, and exits 143 or 130.
            """ + "\n\n" + ExitStatus.summary([.success, .inputUnusable, .usage, .cannotWriteOutput, .stateUnusable, .anotherRunActive,
                                      .configuration, .stopped(signal: SIGINT)]))

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

    @Flag(help: "Score every study again, ignoring the results stored by earlier runs.")
    var full = false

    @Flag(help: "Read study folders, series folders and slices that are symlinks to places outside --studies (each is recorded in the study's QC flags on the worklist). By default such a study fails, naming the symlink.")
    var followSymlinks = false

    @OptionGroup var sharding: ShardOptions

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        // First, before anything else: stops OpenBLAS's idle pool from spinning through the run.
        BLASThreads.useOneThreadPerWorker()
        logging.bootstrap()
        let (configuration, configurationDigest) = try RankingInputs.configuration(config)
        let shard = try sharding.resolve()
        let loaded = try ModelLocation.load(model)
        let at = try RankingInputs.instant(now)
        let progress = ProgressLine(total: 0, unit: "studies")
        defer { progress.finish() }
        StopSignals.install()
        var triage = TriageRun(model: loaded, configuration: configuration, logger: Logger(label: "radtriage"))
        triage.dicomOptions = DICOMReadingOptions(configuration.dicom)
        triage.jobs = jobs
        triage.full = full
        triage.stopRequest = { StopSignals.pending }
        triage.whenRunBegins = { StopSignals.watchdog.setBeforeExit($0) }
        triage.logIdentifiers = logging.logIdentifiers
        triage.followSymlinks = followSymlinks
        triage.shard = shard
        triage.configurationDigest = configurationDigest
        let summary = try triage.run(
            studies: URL(fileURLWithPath: studies), output: URL(fileURLWithPath: out), now: at) { state in
                progress.update(state.studiesDone, of: state.studies,
                                detail: state.slices > 0 ? "\(state.slicesDone)/\(state.slices) slices of the studies in progress" : "")
            }
        progress.finish()
        var counts = summary.shard.map { "shard \($0) (\(summary.studies) of \(summary.studiesInAllShards ?? 0) studies), " } ?? ""
        counts += "\(summary.studies) studies: \(summary.scored) scored, \(summary.skipped) unchanged, \(summary.failed) failed"
        if summary.failedOnWorklist > summary.failed { counts += " (\(summary.failedOnWorklist) failed on the worklist)" }
        if summary.absent > 0 { counts += ", \(summary.absent) gone since the last run" }
        print(counts + "; \(summary.slices) slices in " + String(format: "%.1f s", summary.seconds) + "; worklists in \(out)")
        if summary.exitStatus != .success { throw ExitCode(summary.exitStatus) }
    }
}
