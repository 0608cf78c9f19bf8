import Foundation
import Logging
import Triage
import TriageCore
import WorklistExport

/// `radtriage merge`: the shard results of a sharded run → the one worklist set (and the pool
/// worklists) that a single run over all the studies would have written, ranked as of `now`.
///
/// It reads only the shard results, never the studies. It writes nothing unless every shard K of N is
/// there exactly once, all from the same tool version, model and configuration, all having seen the same
/// studies, each file intact, and the studies of all shards together are exactly those studies.
public struct ShardMerge: Sendable {
    /// Why the shards cannot be merged: every problem found, each naming the file or shard.
    public struct Refusal: Error, CustomStringConvertible {
        public let problems: [String]
        public var description: String {
            "the shard results cannot be merged; nothing was written:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
        }
    }

    public struct Summary: Sendable {
        public var shards: Int
        public var studies: Int
        public var scored: Int
        public var failed: Int
        public var files: [URL]
        public var seconds: Double
        /// Of `seconds`: reading and checking the shard results, and ranking and writing the worklists.
        public var readSeconds: Double
        public var writeSeconds: Double
    }

    public let configuration: TriageConfiguration
    /// The digest (`ShardResult.configurationDigest`) of the configuration given to the merge: the
    /// shards must have run with the same one, so that the merge ranks as their single run would.
    public let configurationDigest: String
    public var logger = Logger(label: "radtriage")

    public init(configuration: TriageConfiguration, configurationDigest: String) {
        self.configuration = configuration
        self.configurationDigest = configurationDigest
    }

    public func merge(_ inputs: [String], into output: URL, now: Date = Date()) throws -> Summary {
        let start = Date()
        let files = inputs.map(ShardResult.location(of:))
        var problems: [String] = []
        var headers: [(url: URL, header: ShardResult.Header)] = []
        for url in files {
            do {
                headers.append((url, try ShardResult.readHeader(url)))
            } catch {
                problems.append(error.description)
            }
        }
        if problems.isEmpty { problems = Self.disagreements(headers, configurationDigest: configurationDigest) }
        for (url, header) in headers where url.deletingLastPathComponent().standardizedFileURL.path == output.standardizedFileURL.path {
            problems.append("--out \(output.path) is the output folder of shard \(header.shardIndex)/\(header.shardCount): the merge would replace its worklists")
        }
        guard problems.isEmpty, let first = headers.first?.header else { throw Refusal(problems: problems.isEmpty ? ["no shard results given"] : problems) }

        var studies: [(folder: URL, outcome: StudyOutcome)] = []
        studies.reserveCapacity(first.studiesFound)
        var identities: [StudyIdentity] = []
        var folders = Set<String>()
        var failed = 0
        for (url, header) in headers.sorted(by: { $0.header.shardIndex < $1.header.shardIndex }) {
            let result: ShardResult
            do {
                result = try ShardResult.read(url)
            } catch {
                problems.append(error.description)
                continue
            }
            guard result.header == header else {
                problems.append("\(url.path): changed while the merge read it")
                continue
            }
            for study in result.studies {
                guard folders.insert(study.folder).inserted else {
                    problems.append("study folder \(study.folder) is in more than one shard (again in shard \(header.shardIndex))")
                    continue
                }
                identities.append(study.identity)
                if case .failed = study.outcome { failed += 1 }
                studies.append((URL(fileURLWithPath: study.folder), study.worklistOutcome))
            }
            logger.info("shard read", metadata: ["shard": "\(header.shardIndex)/\(header.shardCount)", "studies": "\(result.studies.count)"])
        }
        if problems.isEmpty, identities.count != first.studiesFound || ShardResult.inventorySHA256(identities) != first.inventorySHA256 {
            problems.append("the shards together hold \(identities.count) studies, but each found \(first.studiesFound) other ones: studies would be lost or added")
        }
        guard problems.isEmpty else { throw Refusal(problems: problems) }
        let read = Date()

        do {
            try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        } catch {
            throw TriageRun.RunError(.output, file: output.path, what: "cannot create the output directory: \(TriageRun.whyNotCreatable(output) ?? error.localizedDescription)")
        }
        let lock = try RunLock(directory: output)
        defer { withExtendedLifetime(lock) {} }
        let writer = WorklistWriter(directory: output)
        writer.removeLeftovers()
        let warnings = TriageRun.distributionWarnings(studies.map(\.outcome), modelId: first.modelId,
                                                      validation: first.validationScores, logger: logger)
        let worklists = TriageRun.worklists(studies, configuration: configuration, modelId: first.modelId,
                                            weightsSHA256: first.weightsSHA256, now: now, warnings: warnings)
        let written = try writer.write(worklists)
        let end = Date()
        let summary = Summary(shards: headers.count, studies: studies.count, scored: studies.count - failed, failed: failed, files: written,
                              seconds: end.timeIntervalSince(start), readSeconds: read.timeIntervalSince(start),
                              writeSeconds: end.timeIntervalSince(read))
        logger.info("merge finished", metadata: [
            "shards": "\(summary.shards)", "studies": "\(summary.studies)", "failed": "\(failed)",
            "duration_s": "\(String(format: "%.2f", summary.seconds))", "read_s": "\(String(format: "%.2f", summary.readSeconds))",
            "rank_and_write_s": "\(String(format: "%.2f", summary.writeSeconds))",
        ])
        return summary
    }

    /// What keeps the shards from being one run's: a missing or repeated K, different N, tool version,
    /// model, configuration or studies. Each problem names the shards and files concerned.
    static func disagreements(_ headers: [(url: URL, header: ShardResult.Header)], configurationDigest: String) -> [String] {
        var problems: [String] = []
        func differ(_ what: String, _ value: (ShardResult.Header) -> String) {
            let groups = Dictionary(grouping: headers, by: { value($0.header) })
            guard groups.count > 1 else { return }
            let listed = groups.sorted { $0.key < $1.key }.map { key, members in
                "\(key) (\(members.map { "shard \($0.header.shardIndex)/\($0.header.shardCount) in \($0.url.path)" }.joined(separator: ", ")))"
            }
            problems.append("the shards differ in \(what): \(listed.joined(separator: "; "))")
        }
        differ("their number of shards N") { "N = \($0.shardCount)" }
        differ("tool version") { "radtriage \($0.toolVersion)" }
        differ("model") { "model \($0.modelId), weights SHA-256 \($0.weightsSHA256)" }
        differ("configuration") { "configuration \($0.configuration)" }
        differ("the studies they found") { "\($0.studiesFound) studies, inventory \($0.inventorySHA256.prefix(12))" }
        guard problems.isEmpty, let count = headers.first?.header.shardCount else { return problems }

        let byIndex = Dictionary(grouping: headers, by: \.header.shardIndex)
        for (index, copies) in byIndex.sorted(by: { $0.key < $1.key }) where copies.count > 1 {
            problems.append("shard \(index)/\(count) is given \(copies.count) times: \(copies.map(\.url.path).joined(separator: ", "))")
        }
        let missing = (0..<count).filter { byIndex[$0] == nil }
        if !missing.isEmpty {
            let shown = missing.prefix(20).map { "\($0)/\(count)" }.joined(separator: ", ") + (missing.count > 20 ? ", …" : "")
            problems.append("\(missing.count) of \(count) shards missing: \(shown)")
        }
        if let header = headers.first?.header, header.configuration != configurationDigest {
            problems.append("the shards ran with configuration \(header.configuration), the merge was given \(configurationDigest): give the merge the shards' --config (or run the shards again with the new one; they only re-rank)")
        }
        return problems
    }
}

extension ShardMerge.Refusal: UserFacingError {
    public var file: String? { nil }
    public var what: String { problems.joined(separator: "; ") }
}
