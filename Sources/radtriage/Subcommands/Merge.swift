import ArgumentParser
import Foundation
import TriageCore
import TriagePipeline

/// `radtriage merge`: the shard results of a sharded run → the one worklist set.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge the shard results of a sharded run (run --shard K/N) into the worklists one run would write.",
        discussion: """
            Reads SHARD_OUTPUT/shard-result.jsonl of every shard (or the files given), never the studies, ranks \
            all the studies as of now (or --now) with --config, and writes worklist.csv, worklist.json, \
            worklist.html and the pool worklists into --out, each replaced atomically, byte for byte what one \
            `radtriage run` over all the studies would have written. Refuses, writing nothing, unless every shard \
            K of N is given exactly once, all with the same N, radtriage version, model, configuration (the same \
            --config file as the merge's) and studies found, and every file is intact. Failed studies are on the \
            worklist with their reason (their shard reported them with exit code 1).
            """ + "\n\n" + ExitStatus.summary([.success, .usage, .shardsRefused, .cannotWriteOutput, .anotherRunActive, .configuration]))

    @Argument(help: "Shard output folders (each with shard-result.jsonl) or shard result files.")
    var shardOutputs: [String]

    @Option(help: "Output folder for the merged worklists (created if missing).")
    var out: String

    @Option(help: "YAML configuration: the one the shards ran with (default: built-in).")
    var config: String?

    @Option(help: "Rank as of this ISO 8601 time instead of now (for reproducing a run).")
    var now: String?

    @OptionGroup var logging: LoggingOptions

    func run() throws {
        logging.bootstrap()
        let (configuration, digest) = try RankingInputs.configuration(config)
        let at = try RankingInputs.instant(now)
        let summary = try ShardMerge(configuration: configuration, configurationDigest: digest)
            .merge(shardOutputs, into: URL(fileURLWithPath: out), now: at)
        print("merged \(summary.shards) shards: \(summary.studies) studies, \(summary.scored) scored, \(summary.failed) failed; "
              + String(format: "%.1f s", summary.seconds) + "; worklists in \(out)")
    }
}
