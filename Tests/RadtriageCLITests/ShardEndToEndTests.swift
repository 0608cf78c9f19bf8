import Dispatch
import Foundation
import Synchronization
import Testing
import Yams

/// The Kubernetes path of a sharded run: the shards as local processes with `JOB_COMPLETION_INDEX` set
/// (as an Indexed Job's pods have it), the merge, and the single run they must equal byte for byte.
/// The Slurm path runs on a real cluster in Tests/Cluster/slurm-array-test.sh.
@Suite(.tags(.endToEnd)) struct ShardEndToEndTests {
    static let shards = 3
    static let now = "2026-11-23T10:00:00Z"
    static let config = ExecutableRunner.repositoryRoot.appendingPathComponent("Docs/radtriage.example.yaml").path

    /// Studies, one run over them, and the shards' outputs: made once for the whole suite.
    struct Fixture: Sendable {
        let root: URL
        var studies: URL { root.appendingPathComponent("studies") }
        var single: URL { root.appendingPathComponent("single") }
        func shard(_ index: Int) -> URL { root.appendingPathComponent("shards/\(index)") }
        let shardOutputs: [ExecutableRunner.Output]
    }

    static let fixture: Result<Fixture, any Error> = Result(catching: {
        let root = ExecutableRunner.temporaryFolder()
        let studies = root.appendingPathComponent("studies")
        let synth = try ExecutableRunner.run(["synth", "--out", studies.path, "--studies", "7", "--slices", "24", "--matrix", "64",
                                              "--seed", "1515", "--lesion-probability", "0.5"])
        guard synth.status == 0 else { throw FixtureError(description: "synth: \(synth.stderr)") }
        // No sidecar: a failed study, which the merged worklist must carry too.
        try FileManager.default.createDirectory(at: studies.appendingPathComponent("S9999"), withIntermediateDirectories: true)
        let single = try ExecutableRunner.run(["run", "--studies", studies.path, "--out", root.appendingPathComponent("single").path,
                                               "--config", config, "--now", now, "--jobs", "1"])
        guard single.status == 1 else { throw FixtureError(description: "single run: \(single.status) \(single.stderr)") }
        // The shards run at once, as an Indexed Job's pods would, each with its own index.
        let results = Mutex([ExecutableRunner.Output?](repeating: nil, count: shards))
        DispatchQueue.concurrentPerform(iterations: shards) { index in
            var environment = ProcessInfo.processInfo.environment
            environment["JOB_COMPLETION_INDEX"] = "\(index)"
            let output = try? ExecutableRunner.run(ExecutableRunner.executable, [
                "run", "--studies", studies.path, "--out", root.appendingPathComponent("shards/\(index)").path, "--shards", "\(shards)",
                "--config", config, "--jobs", "1",
            ], environment: environment)
            results.withLock { $0[index] = output }
        }
        let outputs = results.withLock { $0 }
        return Fixture(root: root, shardOutputs: try outputs.map { output in
            guard let output, output.status <= 1 else { throw FixtureError(description: "a shard: \(output?.stderr ?? "did not start")") }
            return output
        })
    })

    struct FixtureError: Error, CustomStringConvertible {
        let description: String
    }

    func merge(_ inputs: [URL], out: URL, config: String? = ShardEndToEndTests.config) throws -> ExecutableRunner.Output {
        try ExecutableRunner.run(["merge"] + inputs.map(\.path) + ["--out", out.path, "--now", Self.now] + (config.map { ["--config", $0] } ?? []))
    }

    static func worklistFiles(_ folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("worklist") }.sorted()
    }

    @Test func shardsWithJobCompletionIndexMergeIntoTheSingleRunsWorklists() throws {
        let fixture = try Self.fixture.get()
        var share = 0
        for (index, output) in fixture.shardOutputs.enumerated() {
            // Each shard logs its share, and says it on stdout.
            #expect(output.stderr.contains("shard share") && output.stderr.contains("shard=\(index)/3"), "\(output.stderr)")
            let line = try #require(output.stdout.split(separator: "\n").first { $0.hasPrefix("shard \(index)/3 (") })
            share += Int(line.split(separator: "(")[1].split(separator: " ")[0])!
            #expect(line.contains("of 8 studies"), "\(line)")
        }
        #expect(share == 8, "every study in exactly one shard")
        let out = fixture.root.appendingPathComponent("merged")
        let merged = try merge((0..<Self.shards).map(fixture.shard), out: out)
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stdout.contains("merged 3 shards: 8 studies, 7 scored, 1 failed"), "\(merged.stdout)")
        let files = try Self.worklistFiles(fixture.single)
        #expect(files.count == 9, "the main worklist and two pools, three formats each: \(files)")
        #expect(try Self.worklistFiles(out) == files)
        for name in files {
            #expect(try Data(contentsOf: out.appendingPathComponent(name)) == Data(contentsOf: fixture.single.appendingPathComponent(name)), "\(name)")
        }
    }

    @Test func theSameShardRunTwiceWritesTheSameShardResult() throws {
        let fixture = try Self.fixture.get()
        let first = try Data(contentsOf: fixture.shard(1).appendingPathComponent("shard-result.jsonl"))
        // Again into the same folder (results reused from the state), and into a new one (scored again, on two workers).
        let fresh = fixture.root.appendingPathComponent("shard-1-again")
        for (folder, jobs) in [(fixture.shard(1), "1"), (fresh, "2")] {
            let again = try ExecutableRunner.run(["run", "--studies", fixture.studies.path, "--out", folder.path, "--shard", "1/3",
                                                  "--config", Self.config, "--jobs", jobs])
            #expect(again.status <= 1, "\(again.stderr)")
            #expect(try Data(contentsOf: folder.appendingPathComponent("shard-result.jsonl")) == first, "\(folder.lastPathComponent)")
        }
    }

    /// Each refusal: exit code 65, nothing written, and a message that names what is wrong.
    func expectRefusal(_ inputs: [URL], config: String? = ShardEndToEndTests.config, _ message: String,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let fixture = try Self.fixture.get()
        let out = fixture.root.appendingPathComponent("refused-\(UUID().uuidString)")
        let merged = try merge(inputs, out: out, config: config)
        #expect(merged.status == 65, "\(merged.stderr)", sourceLocation: sourceLocation)
        #expect(merged.stderr.contains("the shard results cannot be merged; nothing was written"), sourceLocation: sourceLocation)
        #expect(merged.stderr.contains(message), "\(merged.stderr)", sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: out.path), sourceLocation: sourceLocation)
    }

    @Test func mergeRefusesMissingDuplicateAndDamagedShards() throws {
        let fixture = try Self.fixture.get()
        let all = (0..<Self.shards).map(fixture.shard)
        try expectRefusal([all[0], all[2]], "1 of 3 shards missing: 1/3")
        try expectRefusal(all + [all[1]], "shard 1/3 is given 2 times")
        let damaged = fixture.root.appendingPathComponent("damaged")
        try FileManager.default.copyItem(at: all[2], to: damaged)
        let file = damaged.appendingPathComponent("shard-result.jsonl")
        var bytes = try Data(contentsOf: file)
        bytes[bytes.count / 2] ^= 0x20
        try bytes.write(to: file)
        try expectRefusal([all[0], all[1], damaged], "\(file.path): damaged: its content does not match the SHA-256 in its end line")
        try bytes.prefix(bytes.count - 10).write(to: file)
        try expectRefusal([all[0], all[1], damaged], "\(file.path): damaged: truncated")
    }

    @Test func mergeRefusesShardsOfAnotherNModelOrConfiguration() throws {
        let fixture = try Self.fixture.get()
        let all = (0..<Self.shards).map(fixture.shard)
        func shard(_ name: String, _ arguments: [String]) throws -> URL {
            let folder = fixture.root.appendingPathComponent(name)
            let run = try ExecutableRunner.run(["run", "--studies", fixture.studies.path, "--out", folder.path, "--jobs", "1"] + arguments)
            #expect(run.status <= 1, "\(run.stderr)")
            return folder
        }
        let ofTwo = try shard("of-two", ["--shard", "0/2", "--config", Self.config])
        try expectRefusal([ofTwo, all[1], all[2]], "the shards differ in their number of shards N: N = 2 (shard 0/2 in \(ofTwo.path)")
        let model = ExecutableRunner.repositoryRoot.appendingPathComponent("Tests/ScoringTests/Fixtures/odd-stride2").path
        let otherModel = try shard("other-model", ["--shard", "0/3", "--config", Self.config, "--model", model])
        try expectRefusal([otherModel, all[1], all[2]], "the shards differ in model: model radtriage-pet-default")
        let builtIn = try shard("built-in", ["--shard", "0/3"])
        try expectRefusal([builtIn, all[1], all[2]], "the shards differ in configuration: configuration built-in (shard 0/3 in \(builtIn.path)")
        // The merge given another configuration than the shards ran with.
        try expectRefusal(all, config: nil, "the shards ran with configuration sha256:")
    }

    @Test func aShardThatContradictsItsSchedulerIsAUsageError() throws {
        let fixture = try Self.fixture.get()
        var environment = ProcessInfo.processInfo.environment
        environment["JOB_COMPLETION_INDEX"] = "2"
        let out = fixture.root.appendingPathComponent("contradiction")
        let run = try ExecutableRunner.run(ExecutableRunner.executable, ["run", "--studies", fixture.studies.path, "--out", out.path, "--shard", "1/3"],
                                           environment: environment)
        #expect(run.status == 64)
        #expect(run.stderr.contains("--shard 1/3 but JOB_COMPLETION_INDEX is 2"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}

/// The deployment files carry what the schedulers need (deploy/kubernetes, deploy/slurm).
@Suite struct DeploymentFileTests {
    static let deploy = ExecutableRunner.repositoryRoot.appendingPathComponent("deploy")

    static func manifest(_ name: String) throws -> [String: Any] {
        let text = try String(contentsOf: deploy.appendingPathComponent("kubernetes/\(name)"), encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    static func rules(_ spec: [String: Any]) throws -> [[String: Any]] {
        try #require((spec["podFailurePolicy"] as? [String: Any])?["rules"] as? [[String: Any]])
    }

    static func exitCodes(_ rules: [[String: Any]], action: String) -> Set<Int> {
        Set(rules.filter { $0["action"] as? String == action }.flatMap { (($0["onExitCodes"] as? [String: Any])?["values"] as? [Int]) ?? [] })
    }

    @Test func theShardsAreAnIndexedJobThatFailsAnIndexOnBadInputAndRetriesWhenBusy() throws {
        let job = try Self.manifest("shards-job.yaml")
        #expect(job["kind"] as? String == "Job" && job["apiVersion"] as? String == "batch/v1")
        let spec = try #require(job["spec"] as? [String: Any])
        #expect(spec["completionMode"] as? String == "Indexed")
        let completions = try #require(spec["completions"] as? Int)
        let parallelism = try #require(spec["parallelism"] as? Int)
        #expect(parallelism >= 1 && parallelism <= completions)
        #expect((spec["backoffLimitPerIndex"] as? Int).map { $0 >= 1 } == true)
        let rules = try Self.rules(spec)
        // Bad input: usage, unusable state, configuration or model. Busy: another run holds the folder.
        #expect(Self.exitCodes(rules, action: "FailIndex") == [64, 74, 78])
        #expect(Self.exitCodes(rules, action: "Ignore") == [75])
        let pod = try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        #expect(pod["restartPolicy"] as? String == "Never", "podFailurePolicy needs restartPolicy: Never")
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        #expect(rules.compactMap { ($0["onExitCodes"] as? [String: Any])?["containerName"] as? String }.allSatisfy { $0 == container["name"] as? String })
        let command = ((container["command"] as? [String]) ?? []) + ((container["args"] as? [String]) ?? [])
        let script = command.joined(separator: " ")
        #expect(script.contains("--shards \(completions) "), "--shards must equal completions (\(completions)): \(script)")
        #expect(script.contains("$JOB_COMPLETION_INDEX"), "each index writes its own folder")
        #expect(script.contains(#"[ "$status" -eq 1 ] && exit 0"#), "a study that failed is in the shard result: the index succeeded")
    }

    @Test func theMergeJobStopsOnARefusal() throws {
        let job = try Self.manifest("merge-job.yaml")
        let spec = try #require(job["spec"] as? [String: Any])
        #expect(spec["completions"] as? Int == 1)
        let rules = try Self.rules(spec)
        #expect(Self.exitCodes(rules, action: "FailJob") == [64, 65, 78])
        #expect(Self.exitCodes(rules, action: "Ignore") == [75])
        let pod = try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        #expect(((container["args"] as? [String]) ?? []).joined().contains("radtriage merge /data/work/shards/*"))
        #expect(pod["restartPolicy"] as? String == "Never")
    }

    @Test func theSlurmArrayIsThrottledAndTheMergeWaitsForItWithAfterok() throws {
        let submit = try String(contentsOf: Self.deploy.appendingPathComponent("slurm/submit.sh"), encoding: .utf8)
        #expect(submit.contains(#"--array="0-$((shards - 1))%$throttle""#))
        #expect(submit.contains(#"--dependency="afterok:$array""#))
        let shard = try String(contentsOf: Self.deploy.appendingPathComponent("slurm/shard.sbatch"), encoding: .utf8)
        #expect(shard.contains("--shard auto"))
    }
}
