import ArgumentParser
import Foundation
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
            --config file as the merge's) and studies found, and every file is intact. Exit codes: 0 merged \
            (failed studies are on the worklist with their reason, and were reported by their shard's exit code 1); \
            64 usage error; 65 the shard results were refused (the message says why); 73 an output could not \
            be written; 75 another run or merge holds --out; 78 invalid configuration.
            """)

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
        let summary: ShardMerge.Summary
        do {
            summary = try ShardMerge(configuration: configuration, configurationDigest: digest)
                .merge(shardOutputs, into: URL(fileURLWithPath: out), now: at)
        } catch let error as ShardMerge.Refusal {
            FileHandle.standardError.write(Data("radtriage merge: \(error)\n".utf8))
            throw ExitCode.shardsRefused
        } catch let error as RunLock.Busy {
            FileHandle.standardError.write(Data("radtriage merge: \(error)\n".utf8))
            throw ExitCode.anotherRunActive
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitCode.cannotWriteOutput
        }
        print("merged \(summary.shards) shards: \(summary.studies) studies, \(summary.scored) scored, \(summary.failed) failed; "
              + String(format: "%.1f s", summary.seconds) + "; worklists in \(out)")
    }
}
