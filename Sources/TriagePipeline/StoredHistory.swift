import Foundation
import RunState
import Triage

extension TriageRun {
    /// Every study the run state in `output` holds, as the ranking sees it (arrival, class, centre,
    /// site, result): the history `radtriage simulate --state` replays. Nothing is written when the
    /// folder has no state.
    public static func storedCandidates(output: URL) throws -> [TriageCandidate] {
        guard FileManager.default.fileExists(atPath: output.appendingPathComponent(StateStore.fileName).path) else {
            throw StateError(.unusable, path: output.appendingPathComponent(StateStore.fileName).path,
                             reason: "no run state here: give the --out folder of radtriage run")
        }
        let state = try StateStore(directory: output)
        return try state.studies().sorted { $0.key < $1.key }.map { folder, record in
            TriageCandidate(try record.decodedOutcome(), source: URL(fileURLWithPath: folder).path)
        }
    }
}
