import DICOMStudy
import Evidence
import Dispatch
import Foundation
import Logging
import RunState
import Scoring
import Synchronization
import StudyFormat
import Triage
import TriageCore
import WorklistExport

/// `radtriage run`: discover the studies, score those that are new or changed since the last run, rank
/// them all, and write the worklists (one set for all studies and one per reading pool).
///
/// The run state (`StateStore`, in the output folder) keeps every study's fingerprint and result, so
/// unchanged studies are not scored again, and each result is committed as soon as its study is done:
/// a run killed at any instant loses at most the studies in progress. Per-study failures stay on the
/// worklist; only problems with the run itself (studies folder, output folder, state) are thrown.
public struct TriageRun: Sendable {
    public struct Summary: Sendable {
        /// Study folders found.
        public var studies: Int
        /// Scored by this run (new, changed, or re-scored for a new model, tool version or `--full`).
        public var scored: Int
        /// Unchanged since their stored result: taken from the state.
        public var skipped: Int
        /// Failed in this run (studies that failed before and did not change count under `skipped`).
        public var failed: Int
        /// Studies on the worklist marked failed, from this run or an earlier one.
        public var failedOnWorklist: Int
        /// Studies the last finished run saw that this run did not find: off the worklist.
        public var absent: Int
        /// For a shard of a sharded run: which one, and how many study folders all shards have.
        public var shard: Shard?
        public var studiesInAllShards: Int?
        public var files: [URL]
        /// Slices scored by this run.
        public var slices: Int
        /// Seconds per stage, summed over the slices this run scored (all workers together).
        public var stageSeconds: StudyScoringResult.StageTimings
        public var seconds: Double
        public var runID: String

        public var exitStatus: ExitStatus { failed > 0 ? .inputUnusable : .success }
    }

    /// A problem with the run itself, not with one study: the folder or file, and why.
    public struct RunError: UserFacingError {
        public enum Kind: Sendable {
            /// The studies folder is missing or unreadable.
            case studies
            /// The output folder cannot be created or written.
            case output
        }

        public let kind: Kind
        public let file: String?
        public let what: String
        public var description: String { located }

        public init(_ kind: Kind, file: String?, what: String) {
            self.kind = kind
            self.file = file
            self.what = what
        }

        /// Another error, kept with its file when it names one.
        public init(_ kind: Kind, _ cause: any Error) {
            let located = cause as? any UserFacingError
            self.init(kind, file: located?.file, what: located?.what ?? "\(cause)")
        }
    }

    /// SIGTERM or SIGINT arrived: the studies in progress were finished and committed, the rest left
    /// for the next run, and the previous worklists kept.
    public struct Stopped: Error, CustomStringConvertible {
        public let signal: Int32
        public let scored: Int
        public let remaining: Int
        public var description: String {
            let name = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)"
            return "stopped by \(name): \(scored) studies scored and saved, \(remaining) left for the next run; the previous worklists are unchanged"
        }
    }

    public let model: ScoringModel
    public let configuration: TriageConfiguration
    public var batchSize = InferenceEngine.preferredBatch
    /// Studies scored at the same time, each by its own scorer (one BLAS thread each).
    public var jobs = ProcessInfo.processInfo.activeProcessorCount
    /// Re-score every study, ignoring stored results.
    public var full = false
    /// Studies that no run has found for this long are dropped from the state.
    public var forgetAfter: TimeInterval = 30 * 24 * 3600
    /// Polled before each study: the signal that asks the run to stop, if one arrived.
    public var stopRequest: @Sendable () -> Int32? = { nil }
    /// Called once the run is in the state, with the action that records it as stopped: a caller that
    /// may end the process while workers are still busy (`StopWatchdog`) runs it just before.
    public var whenRunBegins: @Sendable (_ recordForcedStop: @escaping @Sendable (_ signal: Int32) -> Void) -> Void = { _ in }
    /// Events go here, one per study and one summary per run, keyed `run.id`, `study.id`, `stage`: the
    /// caller's logger (swift-log's rule for libraries), so that a test can read them in memory.
    public let logger: Logger
    /// Patient ids, accession numbers and file paths appear in logs only when this is set.
    public var logIdentifiers = false
    /// Read study folders, series folders and slices that are symlinks leading outside the studies
    /// folder (each is recorded in the study's QC flags); by default they fail their study.
    public var followSymlinks = false
    /// Only the studies of this shard, and a shard result for the merge (see `ShardResult`).
    public var shard: Shard?
    /// How DICOM studies' attributes map to the clinical context (from the configuration's `dicom:`).
    public var dicomOptions = DICOMReadingOptions()
    /// The configuration's digest, for the shard result (`ShardResult.configurationDigest`).
    public var configurationDigest = "built-in"

    public init(model: ScoringModel, configuration: TriageConfiguration, logger: Logger) {
        self.model = model
        self.configuration = configuration
        self.logger = logger
    }

    public func run(
        studies root: URL, output: URL, now: Date = Date(), progress: @escaping @Sendable (RunProgress) -> Void = { _ in }
    ) throws -> Summary {
        let start = Date()
        var folders: [StudySource]
        do {
            folders = try StudySource.discover(at: root)
        } catch {
            throw RunError(.studies, error)
        }
        let share = shard.map { ShardShare(of: folders, shard: $0) }
        if let share { folders = share.folders }
        do {
            try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        } catch {
            throw RunError(.output, file: output.path, what: "cannot create the output directory: \(Self.whyNotCreatable(output) ?? error.localizedDescription)")
        }
        // Held until the worklists are written; RunLock.Busy goes to the caller untouched.
        let lock = try RunLock(directory: output)
        defer { withExtendedLifetime(lock) {} }
        let writer = WorklistWriter(directory: output)
        writer.removeLeftovers()
        let state = try StateStore(directory: output)
        let runID = String(UUID().uuidString.prefix(8)).lowercased()
        var record = RunRecord(id: runID, startedAt: start, toolVersion: RadtriageVersion.current, modelId: model.id,
                               weightsSHA256: model.weightsSHA256, full: full, jobs: jobs)
        try state.begin(record)
        whenRunBegins { [logger] signal in
            // A connection of its own: the run's may be inside a write that never ends.
            let recorded = try? StateStore(directory: output).recordForcedStop(runID: runID, signal: signal, exitCode: Int(ExitStatus.stopped(signal: signal).code))
            logger.notice("run stopped with studies still in progress", metadata: ["run.id": "\(runID)", "signal": "\(signal)", "recorded": "\(recorded ?? false)"])
        }
        logger.info("run started", metadata: ["run.id": "\(runID)", "studies": "\(folders.count)", "model": "\(model.id)",
                                              "jobs": "\(jobs)", "full": "\(full)"])
        if let share { log(share, runID: runID) }
        let stored = try state.studies()
        let previousRun = try state.lastFinishedRun()
        let pass = try score(folders, root: root, stored: stored, state: state, runID: runID, progress: progress)
        record.studiesSeen = folders.count
        record.scored = pass.scored
        record.skipped = pass.skipped.count
        record.failed = pass.failed
        record.slices = pass.slices
        if let signal = stopRequest(), pass.studies.contains(where: { $0 == nil }) {
            record.finishedAt = Date()
            record.seconds = Date().timeIntervalSince(start)
            record.stopSignal = Int(signal)
            record.exitCode = Int(ExitStatus.stopped(signal: signal).code)
            try state.finish(record)
            logger.notice("run stopped", metadata: ["run.id": "\(runID)", "signal": "\(signal)", "scored": "\(pass.scored)"])
            throw Stopped(signal: signal, scored: pass.scored, remaining: pass.studies.filter { $0 == nil }.count)
        }
        let studies = pass.studies.compactMap { $0 }
        let seen = Set(folders.map(\.key))
        let absent = stored.values.filter { record in
            !seen.contains(record.folder) && previousRun.map { record.lastSeenAt >= $0.startedAt } ?? false
        }.count

        let outcomes = studies.map(\.outcome)
        var files = try writer.write(Self.worklists(studies.map { ($0.source.location, $0.outcome) }, configuration: configuration, modelId: model.id,
                                                    weightsSHA256: model.weightsSHA256, now: now,
                                                    warnings: Self.distributionWarnings(outcomes, modelId: model.id,
                                                                                        validation: model.manifest.validationScores, logger: logger)))
        if let share { files.append(try writeShardResult(share, outcomes: outcomes, into: output)) }
        let failedOnWorklist = studies.filter { $0.outcome.failure != nil }.count
        let seconds = Date().timeIntervalSince(start)
        let summary = Summary(studies: folders.count, scored: pass.scored, skipped: pass.skipped.count, failed: pass.failed,
                              failedOnWorklist: failedOnWorklist, absent: absent, shard: shard, studiesInAllShards: share?.found, files: files, slices: pass.slices,
                              stageSeconds: pass.stageSeconds, seconds: seconds, runID: runID)
        record.absent = absent
        record.finishedAt = Date()
        record.seconds = seconds
        record.exitCode = Int(summary.exitStatus.code)
        // After the worklists: a run killed before this point is recorded as never finished, and the next
        // run marks what it sees again.
        try state.finish(record, seen: pass.skipped, at: start, forgetBefore: start.addingTimeInterval(-forgetAfter))
        logger.info("run finished", metadata: [
            "run.id": "\(runID)", "studies": "\(folders.count)", "scored": "\(pass.scored)", "skipped": "\(pass.skipped.count)",
            "failed": "\(pass.failed)", "absent": "\(absent)", "slices": "\(pass.slices)", "duration_s": "\(String(format: "%.2f", seconds))",
            "slices_per_s": "\(String(format: "%.0f", Double(pass.slices) / max(seconds, 1e-9)))",
            "decode_ms_per_slice": "\(Self.millisecondsPerSlice(pass.stageSeconds.decodeSeconds, pass.slices))",
            "quantify_ms_per_slice": "\(Self.millisecondsPerSlice(pass.stageSeconds.quantifySeconds, pass.slices))",
            "model_ms_per_slice": "\(Self.millisecondsPerSlice(pass.stageSeconds.modelSeconds, pass.slices))",
        ])
        return summary
    }

    private static func millisecondsPerSlice(_ seconds: Double, _ slices: Int) -> String {
        String(format: "%.3f", slices > 0 ? seconds * 1000 / Double(slices) : 0)
    }

    /// Foundation says "NSCocoaErrorDomain error 512" when a folder on the way is a file: name that file.
    static func whyNotCreatable(_ folder: URL) -> String? {
        var ancestor = folder.standardizedFileURL
        while ancestor.path != "/" {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isDirectory) {
                return isDirectory.boolValue ? nil : "\(ancestor.path) is a file, not a folder"
            }
            ancestor.deleteLastPathComponent()
        }
        return nil
    }

    /// The main worklist and one per reading pool: every study ranked as of `now`. The run and the
    /// merge of a sharded run both build them here, so that they write the same bytes. The ranking hands
    /// each result back with its rank, and the export renders it.
    static func worklists(_ studies: [(folder: URL, outcome: StudyOutcome)], configuration: TriageConfiguration, modelId: String,
                          weightsSHA256: String, now: Date, warnings: [String]? = nil) -> [Worklist] {
        let candidates = studies.map { TriageCandidate($0.outcome, source: $0.folder.path) }
        let ranked = TriageRanker(configuration: configuration).rank(candidates, now: now)
        // One study id in two folders is a mix-up a reader must see (a copy, or two patients under one id).
        let folderCounts = Dictionary(candidates.map { ($0.studyId, 1) }, uniquingKeysWith: +)
        let rows = ranked.map { study in
            var row = WorklistRow(study)
            if let count = folderCounts[study.candidate.studyId], count > 1 {
                row.flags.insert("study id \(study.candidate.studyId) is used by \(count) study folders", at: 0)
            }
            return row
        }
        var worklists = [Worklist(generatedAt: now, modelId: modelId, weightsSHA256: weightsSHA256, pool: nil, rows: rows, warnings: warnings)]
        for pool in configuration.pools {
            // Ranks within a pool restart at 1: the pool's readers see their own reading order.
            let poolRows = rows.filter { $0.pool == pool.name }.enumerated().map { index, row in
                var copy = row
                copy.rank = index + 1
                return copy
            }
            worklists.append(Worklist(generatedAt: now, modelId: modelId, weightsSHA256: weightsSHA256, pool: pool.name, rows: poolRows,
                                      warnings: warnings))
        }
        return worklists
    }

    /// A study's source (a PNG study folder or a DICOM study) and its result, scored now or taken from the state.
    struct ProcessedStudy: Sendable {
        var source: StudySource
        var outcome: StudyOutcome
    }

    /// The out-of-distribution guard over every study on the worklist that this model scored; logged and
    /// put at the top of the worklists when the scores look unlike the model's validation studies. A run
    /// and the merge of a sharded run's results both call it, so that both write the same worklists.
    static func distributionWarnings(_ outcomes: [StudyOutcome], modelId: String, validation: ModelManifest.ValidationScores?,
                                     logger: Logger) -> [String]? {
        let probabilities = outcomes.compactMap { outcome -> Double? in
            guard case .scored(let result) = outcome, result.modelId == modelId else { return nil }
            return result.probability
        }
        guard let finding = ScoreDistributionGuard.check(probabilities, against: validation) else { return nil }
        logger.warning("scores unlike validation", metadata: [
            "studies": "\(finding.studies)", "ks_distance": "\(String(format: "%.3f", finding.distance))",
            "critical": "\(String(format: "%.3f", finding.critical))", "share_above_0_99": "\(String(format: "%.2f", finding.shareAbove99))",
        ])
        return [finding.message]
    }

    /// What the workers did: a result per folder (nil where a stop request came first), in folder order.
    private struct Pass {
        var studies: [ProcessedStudy?]
        var scored = 0
        var failed = 0
        var slices = 0
        var stageSeconds = StudyScoringResult.StageTimings()
        /// Keys of the folders whose stored result was reused.
        var skipped: [String] = []
        var stateError: StateError?
    }

    /// Scores the studies on `jobs` workers, each taking the next study. A study whose stored result
    /// still matches its inputs, model and tool version is not scored again. Each new result is
    /// committed to the state before the next study starts. The outcomes come back in the folders'
    /// order, so the result does not depend on the worker count.
    private func score(_ folders: [StudySource], root: URL, stored: [String: StudyRecord], state: StateStore, runID: String,
                       progress: @escaping @Sendable (RunProgress) -> Void) throws -> Pass {
        let workers = max(1, min(jobs, folders.count))
        // Fewer studies than cores: each study's inference runs on threads of its own, one per spare core,
        // beside its decoding, so that no core is oversubscribed. (Measured on 2 cores, one study of 3000
        // slices: one lane 2.12–2.18 s, two lanes, which oversubscribe, 2.19–2.25 s; no lane 3.7 s.)
        let lanesPerStudy = jobs >= 2 * workers ? jobs / workers - 1 : 0
        let key = ScoringKey(model: model)
        let shared = Mutex(Pass(studies: [ProcessedStudy?](repeating: nil, count: folders.count)))
        let tracker = ProgressTracker(studies: folders.count, report: progress)
        WorkQueue.perform(count: folders.count, workers: workers, local: { StudyScorer?.none }) { index, scorer in
            guard stopRequest() == nil else { return false }
            let folder = folders[index]
            let folderKey = folder.key
            let clock = Date()
            let fingerprint = try? folder.fingerprint()
            if !full, let record = stored[folderKey], key.isReusable(record, fingerprint: fingerprint),
               let outcome = try? record.decodedOutcome() {
                logger.debug("study unchanged", metadata: ["run.id": "\(runID)", "study.id": "\(record.studyId ?? "?")", "stage": "state"])
                shared.withLock {
                    $0.studies[index] = ProcessedStudy(source: folder, outcome: outcome)
                    $0.skipped.append(folderKey)
                }
            } else {
                if scorer == nil {
                    scorer = StudyScorer(model: model, batchSize: batchSize, inferenceLanes: lanesPerStudy)
                    scorer!.dicomOptions = dicomOptions
                    scorer!.stopRequested = { [stopRequest] in stopRequest() != nil }
                    scorer!.reader.boundary = root
                    scorer!.reader.followsSymlinks = followSymlinks
                }
                scorer!.sliceProgress = { done, total in tracker.slices(done, of: total, study: index) }
                let fresh = Self.withThumbnail(scorer!.score(folder))
                if scorer!.wasInterrupted { return false }  // left for the next run, like the studies not started
                let seconds = Date().timeIntervalSince(clock)
                log(fresh, folder: folder, runID: runID, seconds: seconds)
                do {
                    let record = try Self.record(fresh, folder: folder, fingerprint: fingerprint, key: key, runId: runID, seconds: seconds)
                    try state.save(record)
                    // What was stored: a result that cannot be encoded is stored, and ranked, as a failure.
                    let outcome = record.status == .failed && fresh.failure == nil ? try record.decodedOutcome() : Self.withoutSliceLogits(fresh)
                    shared.withLock {
                        $0.studies[index] = ProcessedStudy(source: folder, outcome: outcome)
                        if case .scored(let result) = fresh, case .scored = outcome {
                            $0.scored += 1
                            $0.slices += result.sliceLogits.count
                            $0.stageSeconds += result.timings
                        } else {
                            $0.failed += 1
                        }
                    }
                } catch {
                    let stateError = error as? StateError ?? StateError(.write, path: state.path, cause: error)
                    shared.withLock { if $0.stateError == nil { $0.stateError = stateError } }
                    return false
                }
            }
            tracker.finished(study: index)
            return true
        }
        let pass = shared.withLock { $0 }
        if let error = pass.stateError { throw error }
        return pass
    }

    /// The study's record for the state. An outcome that cannot be encoded (a value the checks before
    /// missed) fails its study, never the run.
    private static func record(_ outcome: StudyOutcome, folder: StudySource, fingerprint: StudyFingerprint?, key: ScoringKey,
                               runId: String, seconds: Double) throws -> StudyRecord {
        do {
            return try StudyRecord(outcome, folder: folder.key, fingerprint: fingerprint, key: key, runId: runId, at: Date(), seconds: seconds)
        } catch let error as EncodingError {
            var failure = StudyFailure(path: folder.path, studyId: nil, metadata: nil, problems: [])
            if case .scored(let result) = outcome { (failure.studyId, failure.metadata) = (result.studyId, result.metadata) }
            failure.problems = [InputProblem(file: folder.path, message: "the study's result cannot be stored: \(error)")]
            return try StudyRecord(.failed(failure), folder: folder.key, fingerprint: fingerprint, key: key, runId: runId, at: Date(), seconds: seconds)
        }
    }

    /// One line per study. Without `logIdentifiers`, no patient id, accession or path: a failure is
    /// logged by its message alone (the worklist, in the output directory, has the file).
    private func log(_ outcome: StudyOutcome, folder: StudySource, runID: String, seconds: Double) {
        var metadata: Logger.Metadata = ["run.id": "\(runID)", "stage": "score", "duration_ms": "\(Int(seconds * 1000))"]
        switch outcome {
        case .scored(let result):
            metadata["study.id"] = "\(result.studyId)"
            metadata["slices"] = "\(result.sliceLogits.count)"
            metadata["probability"] = "\(String(format: "%.3f", result.probability))"
            if logIdentifiers {
                metadata["patient.id"] = "\(result.metadata.identity.patientId ?? "")"
                metadata["accession"] = "\(result.metadata.identity.accessionNumber ?? "")"
                metadata["path"] = "\(folder.path)"
            }
            logger.info("study scored", metadata: metadata)
        case .failed(let failure):
            metadata["study.id"] = "\(failure.studyId ?? "?")"
            let first = failure.errors.first
            // Messages name no path by design; a path that slipped into one (an OS error text) is cut out.
            metadata["reason"] = "\(logIdentifiers ? failure.reason : (first?.message ?? "unknown").replacingOccurrences(of: folder.path, with: "<study folder>"))"
            if logIdentifiers, let field = first?.field { metadata["field"] = "\(field)" }
            logger.warning("study failed", metadata: metadata)
        }
    }

    /// The export renders the study's projection once, when it is scored: the state keeps the thumbnail.
    static func withThumbnail(_ outcome: StudyOutcome) -> StudyOutcome {
        guard case .scored(var result) = outcome, let mip = result.mip else { return outcome }
        result.thumbnailPNG = MIPThumbnail.png(mip)
        result.mip = nil
        return .scored(result)
    }

    /// The slice logits are stored for audits; the worklists do not need them (results reused from the
    /// state have none), so the run does not hold them for every study.
    static func withoutSliceLogits(_ outcome: StudyOutcome) -> StudyOutcome {
        guard case .scored(var result) = outcome else { return outcome }
        result.sliceLogits = []
        return .scored(result)
    }
}

extension TriageRun.Stopped: UserFacingError {
    public var file: String? { nil }
    public var what: String { description }
}
