import ArgumentParser
import Foundation
import TriageCore
import TriagePipeline

/// `--shard K/N`, `--shard auto`, `--shards N`: which shard of a sharded run this process is.
struct ShardOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Only the studies of shard K of N (0 ≤ K < N), and a shard result for `radtriage merge`; `auto`: K and N from the Slurm array task.",
        valueName: "K/N|auto"))
    var shard: String?

    @Option(help: "Number of shards N, the index from the scheduler (JOB_COMPLETION_INDEX in a Kubernetes Indexed Job, or the Slurm array task).")
    var shards: Int?

    /// nil for an ordinary run; a contradiction between the options and the environment is a usage error.
    func resolve() throws -> Shard? {
        do {
            return try ShardSelection.resolve(option: shard, shards: shards, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.description)
        }
    }
}
