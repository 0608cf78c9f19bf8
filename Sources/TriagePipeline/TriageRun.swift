import Evidence
import Dispatch
import Foundation
import Logging
import Scoring
import Synchronization
import StudyFormat
import Triage
import TriageCore
import WorklistExport

/// `radtriage run`: discover the studies, score each, rank them all, and write the worklists (one set
/// for all studies and one per reading pool). Per-study failures stay on the worklist; only problems
/// with the run itself (the studies folder, the output directory) are thrown.
public struct TriageRun: Sendable {
    public struct Summary: Sendable {
        public var studies: Int
        public var scored: Int
        public var failed: Int
        public var files: [URL]
        public var slices: Int
        public var seconds: Double
    }

    /// A problem with the run itself, not with one study.
    public struct RunError: Error, CustomStringConvertible {
        public enum Kind: Sendable {
            /// The studies folder is missing or unreadable.
            case studies
            /// The output folder cannot be created or written.
            case output
        }

        public let kind: Kind
        public let description: String
    }

    public let model: ScoringModel
    public let configuration: TriageConfiguration
    public var batchSize = 16
    /// Studies scored at the same time, each by its own scorer (one BLAS thread each).
    public var jobs = ProcessInfo.processInfo.activeProcessorCount
    /// Events go here, one per study and one summary per run, keyed `run.id`, `study.id`, `stage`.
    public var logger = Logger(label: "radtriage")
    /// Patient ids, accession numbers and file paths appear in logs only when this is set.
    public var logIdentifiers = false

    public init(model: ScoringModel, configuration: TriageConfiguration) {
        self.model = model
        self.configuration = configuration
    }

    public func run(
        studies root: URL, output: URL, now: Date = Date(), progress: @escaping @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) throws -> Summary {
        let start = Date()
        let folders: [URL]
        do {
            folders = try StudyDiscovery.studyFolders(at: root)
        } catch {
            throw RunError(kind: .studies, description: "\(error)")
        }
        do {
            try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        } catch {
            throw RunError(kind: .output, description: "\(output.path): cannot create the output directory: \(error.localizedDescription)")
        }
        // Held until the worklists are written; RunLock.Busy goes to the caller untouched.
        let lock = try RunLock(directory: output)
        defer { withExtendedLifetime(lock) {} }
        let runID = String(UUID().uuidString.prefix(8)).lowercased()
        logger.info("run started", metadata: ["run.id": "\(runID)", "studies": "\(folders.count)", "model": "\(model.id)",
                                              "jobs": "\(jobs)"])
        let results = score(folders, runID: runID, progress: progress)
        var outcomes: [String: StudyOutcome] = [:]
        var candidates: [TriageCandidate] = []
        var slices = 0
        for (folder, outcome) in zip(folders, results) {
            outcomes[folder.path] = outcome
            candidates.append(Self.candidate(for: outcome, folder: folder))
            if case .scored(let result) = outcome { slices += result.sliceLogits.count }
        }
        let ranked = TriageRanker(configuration: configuration).rank(candidates, now: now)
        let rows = ranked.map { Self.row($0, outcome: outcomes[$0.candidate.source]) }
        let writer = WorklistWriter(directory: output)
        var files = try writer.write(Worklist(generatedAt: now, modelId: model.id, weightsSHA256: model.weightsSHA256, pool: nil, rows: rows))
        for pool in configuration.pools {
            // Ranks within a pool restart at 1: the pool's readers see their own reading order.
            let poolRows = rows.filter { $0.pool == pool.name }.enumerated().map { index, row in
                var copy = row
                copy.rank = index + 1
                return copy
            }
            files += try writer.write(Worklist(generatedAt: now, modelId: model.id, weightsSHA256: model.weightsSHA256, pool: pool.name, rows: poolRows))
        }
        let failed = outcomes.values.filter { if case .failed = $0 { true } else { false } }.count
        let seconds = Date().timeIntervalSince(start)
        logger.info("run finished", metadata: [
            "run.id": "\(runID)", "studies": "\(folders.count)", "scored": "\(folders.count - failed)", "failed": "\(failed)",
            "slices": "\(slices)", "duration_s": "\(String(format: "%.2f", seconds))",
            "slices_per_s": "\(String(format: "%.0f", Double(slices) / max(seconds, 1e-9)))",
        ])
        return Summary(studies: folders.count, scored: folders.count - failed, failed: failed, files: files, slices: slices,
                       seconds: Date().timeIntervalSince(start))
    }

    /// Scores the studies on `jobs` workers, each taking the next unscored study; the outcomes come back
    /// in the folders' order, so the result does not depend on the worker count.
    private func score(_ folders: [URL], runID: String, progress: @escaping @Sendable (_ done: Int, _ total: Int) -> Void) -> [StudyOutcome] {
        let workers = max(1, min(jobs, folders.count))
        let state = Mutex((next: 0, done: 0, outcomes: [StudyOutcome?](repeating: nil, count: folders.count)))
        let progressLock = Mutex(())
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let scorer = StudyScorer(model: model, batchSize: batchSize)
            while true {
                let index = state.withLock { state -> Int? in
                    guard state.next < folders.count else { return nil }
                    defer { state.next += 1 }
                    return state.next
                }
                guard let index else { return }
                let clock = Date()
                let outcome = scorer.score(studyAt: folders[index])
                log(outcome, folder: folders[index], runID: runID, seconds: Date().timeIntervalSince(clock))
                let done = state.withLock { state -> Int in
                    state.outcomes[index] = outcome
                    state.done += 1
                    return state.done
                }
                progressLock.withLock { _ in progress(done, folders.count) }
            }
        }
        return state.withLock { $0.outcomes.compactMap { $0 } }
    }

    /// One line per study. Without `logIdentifiers`, no patient id, accession or path: a failure is
    /// logged by its message alone (the worklist, in the output directory, has the file).
    private func log(_ outcome: StudyOutcome, folder: URL, runID: String, seconds: Double) {
        var metadata: Logger.Metadata = ["run.id": "\(runID)", "stage": "score", "duration_ms": "\(Int(seconds * 1000))"]
        switch outcome {
        case .scored(let result):
            metadata["study.id"] = "\(result.studyId)"
            metadata["slices"] = "\(result.sliceLogits.count)"
            metadata["probability"] = "\(String(format: "%.3f", result.probability))"
            if logIdentifiers {
                metadata["patient.id"] = "\(result.metadata.patientId ?? "")"
                metadata["accession"] = "\(result.metadata.accessionNumber ?? "")"
                metadata["path"] = "\(folder.path)"
            }
            logger.info("study scored", metadata: metadata)
        case .failed(let failure):
            metadata["study.id"] = "\(failure.studyId ?? "?")"
            let first = failure.errors.first
            metadata["reason"] = "\(logIdentifiers ? failure.reason : first?.message ?? "unknown")"
            if logIdentifiers, let field = first?.field { metadata["field"] = "\(field)" }
            logger.warning("study failed", metadata: metadata)
        }
    }

    static func candidate(for outcome: StudyOutcome, folder: URL) -> TriageCandidate {
        switch outcome {
        case .scored(let result):
            let metadata = result.metadata
            return TriageCandidate(
                studyId: metadata.studyId, priority: metadata.orderedPriority, site: metadata.site, centre: metadata.organCentre,
                received: metadata.received ?? metadata.acquired,
                finding: .scored(probability: result.probability, suvMax: result.evidence?.suvMax, suvMaxZmm: result.evidence?.suvMaxPositionMm[2]),
                source: folder.path)
        case .failed(let failure):
            let metadata = failure.metadata
            return TriageCandidate(
                studyId: metadata?.studyId ?? folder.lastPathComponent, priority: metadata?.orderedPriority ?? .routine,
                site: metadata?.site, centre: metadata?.organCentre, received: metadata?.received ?? metadata?.acquired,
                finding: .failed(reason: failure.reason), source: folder.path)
        }
    }

    static func row(_ study: RankedStudy, outcome: StudyOutcome?) -> WorklistRow {
        var result: StudyScoringResult?
        var metadata: StudyMetadata?
        switch outcome {
        case .scored(let scored)?:
            result = scored
            metadata = scored.metadata
        case .failed(let failure)?:
            metadata = failure.metadata
        case nil:
            break
        }
        let candidate = study.candidate
        let components = study.components
        return WorklistRow(
            rank: study.rank, studyId: candidate.studyId, accession: metadata?.accessionNumber, patientId: metadata?.patientId,
            site: candidate.site, centre: candidate.centre, pool: study.pool, priorityClass: candidate.priority.rawValue,
            dicomPriority: study.priorityClass.dicom, hl7Priority: study.priorityClass.hl7, fhirPriority: study.priorityClass.fhir,
            triageScore: study.score,
            scoreComponents: ["model": components.model, "priority": components.priority, "waiting": components.waiting, "deadline": components.deadline],
            modelProbability: result?.probability, suvMax: result?.evidence?.suvMax, suvMaxPositionMm: result?.evidence?.suvMaxPositionMm,
            suvPeak: result?.evidence?.suvPeak, hotVolumeMl: result?.evidence?.hotVolumeMl,
            keySlices: result?.keySlices.map(\.index) ?? [], keySliceFiles: result?.keySlices.map(\.file) ?? [],
            board: study.board, deadline: study.deadline, hoursWaiting: study.hoursWaiting, overdue: study.overdue,
            status: result == nil ? "failed" : "scored", reason: study.reasonText, modelId: result?.modelId,
            thumbnailPNG: result?.thumbnailPNG)
    }
}
