import TriageCore

/// Which shard this process is: `--shard K/N`, or the scheduler's environment with `--shard auto` or
/// `--shards N`. Slurm job arrays give `SLURM_ARRAY_TASK_ID` with `_MIN`, `_STEP` and `_COUNT` (the
/// index is (ID − MIN) / STEP, so `--array=1-7:2` gives shards 0 to 3 of 4); a Kubernetes Indexed Job
/// gives `JOB_COMPLETION_INDEX`, but not the count, so `--shards N` is needed there.
///
/// The options are the source, the environment is checked against them: any disagreement (between an
/// option and the environment, or between Slurm's and Kubernetes' variables) is refused rather than
/// resolved, since a wrong shard silently drops studies from the merged worklist.
public enum ShardSelection {
    public struct Conflict: Error, CustomStringConvertible {
        public let description: String
    }

    /// nil when neither option is given: an ordinary run over every study, whatever the environment says.
    public static func resolve(option: String?, shards: Int?, environment: [String: String]) throws(Conflict) -> Shard? {
        guard option != nil || shards != nil else { return nil }
        if let shards, shards < 1 { throw Conflict(description: "--shards must be at least 1, not \(shards)") }
        let slurm = try slurmTask(environment)
        let kubernetes = try kubernetesIndex(environment)
        if let slurm, let kubernetes, slurm.index != kubernetes {
            throw Conflict(description: "SLURM_ARRAY_TASK_ID gives shard index \(slurm.index) but JOB_COMPLETION_INDEX gives \(kubernetes)")
        }
        let environmentIndex = slurm?.index ?? kubernetes
        let environmentSource = slurm != nil ? "the Slurm array task (SLURM_ARRAY_TASK_ID − MIN) / STEP" : "JOB_COMPLETION_INDEX"

        let index: Int, count: Int
        if let option, option != "auto" {
            guard let explicit = Shard(option) else {
                throw Conflict(description: "--shard must be K/N with 0 ≤ K < N (e.g. 0/8), or auto; not '\(option)'")
            }
            if let shards, shards != explicit.count {
                throw Conflict(description: "--shard \(explicit) and --shards \(shards) disagree on the number of shards")
            }
            if let environmentIndex, environmentIndex != explicit.index {
                throw Conflict(description: "--shard \(explicit) but \(environmentSource) is \(environmentIndex)")
            }
            (index, count) = (explicit.index, explicit.count)
        } else {
            guard let environmentIndex else {
                throw Conflict(description: "--shard auto and --shards take the shard index from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX; neither is set (give --shard K/N)")
            }
            guard let total = shards ?? slurm?.count else {
                throw Conflict(description: "JOB_COMPLETION_INDEX gives the shard index but not the number of shards: add --shards N")
            }
            (index, count) = (environmentIndex, total)
        }
        if let slurmCount = slurm?.count, slurmCount != count {
            throw Conflict(description: "\(count) shards, but the Slurm array has SLURM_ARRAY_TASK_COUNT=\(slurmCount) tasks")
        }
        guard let shard = Shard(index: index, count: count) else {
            throw Conflict(description: "shard index \(index) is outside 0..<\(count)")
        }
        return shard
    }

    /// The shard index and count of a Slurm array task, nil outside one.
    static func slurmTask(_ environment: [String: String]) throws(Conflict) -> (index: Int, count: Int?)? {
        guard let idText = environment["SLURM_ARRAY_TASK_ID"] else { return nil }
        func number(_ name: String, _ text: String?) throws(Conflict) -> Int? {
            guard let text else { return nil }
            guard let value = Int(text) else { throw Conflict(description: "\(name)='\(text)' is not a whole number") }
            return value
        }
        let id = try number("SLURM_ARRAY_TASK_ID", idText)!
        guard let minimum = try number("SLURM_ARRAY_TASK_MIN", environment["SLURM_ARRAY_TASK_MIN"]) else {
            throw Conflict(description: "SLURM_ARRAY_TASK_ID is set without SLURM_ARRAY_TASK_MIN")
        }
        let step = try number("SLURM_ARRAY_TASK_STEP", environment["SLURM_ARRAY_TASK_STEP"]) ?? 1
        let count = try number("SLURM_ARRAY_TASK_COUNT", environment["SLURM_ARRAY_TASK_COUNT"])
        guard step >= 1, id >= minimum, (id - minimum) % step == 0 else {
            throw Conflict(description: "SLURM_ARRAY_TASK_ID=\(id) is not MIN + k × STEP (MIN \(minimum), STEP \(step))")
        }
        return ((id - minimum) / step, count)
    }

    static func kubernetesIndex(_ environment: [String: String]) throws(Conflict) -> Int? {
        guard let text = environment["JOB_COMPLETION_INDEX"] else { return nil }
        guard let index = Int(text), index >= 0 else {
            throw Conflict(description: "JOB_COMPLETION_INDEX='\(text)' is not an index (0, 1, 2, …)")
        }
        return index
    }
}

extension ShardSelection.Conflict: UserFacingError {
    public var file: String? { nil }
    public var what: String { description }
}
