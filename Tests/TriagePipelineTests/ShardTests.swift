import Foundation
import Testing
import Triage
import TriageCore
@testable import TriagePipeline
import WorklistExport

/// Shard assignment: SHA-256 of the identity modulo N, checked against coreutils' sha256sum.
@Suite struct ShardAssignmentTests {
    static func identity(_ number: Int) -> StudyIdentity {
        let name = String(format: "S%05d", number)
        return .png(studyId: name, folderName: name)
    }

    /// `sha256sum` of the canonical bytes, reduced modulo N digit by hexadecimal digit: another program's
    /// digest and another way of taking the remainder than the one under test.
    static func expectedShard(_ identity: StudyIdentity, of count: Int) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(identity.canonical.utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        var remainder = 0
        for digit in text.prefix(64) { remainder = (remainder * 16 + Int(String(digit), radix: 16)!) % count }
        return remainder
    }

    @Test(arguments: [1, 2, 3, 7, 100, 1000])
    func shardIsSHA256ModuloN(count: Int) throws {
        for identity in [Self.identity(1), Self.identity(4242), .png(studyId: nil, folderName: "broken"), .dicom(studyInstanceUID: "1.2.840.113619.2.55.3.604688119"),
                         .png(studyId: "Ünïcode:id", folderName: "folder with spaces")] {
            #expect(identity.shard(of: count) == (try Self.expectedShard(identity, of: count)), "\(identity)")
        }
    }

    @Test func identitiesKeepTheIdApartFromTheFolder() {
        #expect(StudyIdentity.png(studyId: "a:b", folderName: "c") != .png(studyId: "a", folderName: "b:c"))
        #expect(StudyIdentity.png(studyId: nil, folderName: "x") != .png(studyId: "x", folderName: ""))
    }

    @Test func addingStudiesNeverMovesAnExistingOne() {
        let before = (0..<10_000).map { Self.identity($0).shard(of: 8) }
        // Ten thousand more studies, assigned in another order: the first ten thousand stay where they were.
        let after = Dictionary(uniqueKeysWithValues: (0..<20_000).reversed().map { ($0, Self.identity($0).shard(of: 8)) })
        #expect((0..<10_000).allSatisfy { after[$0] == before[$0] })
    }

    @Test(arguments: [2, 4, 8, 10])
    func tenThousandStudiesAreBalanced(count: Int) {
        var sizes = [Int](repeating: 0, count: count)
        for number in 0..<10_000 { sizes[Self.identity(number).shard(of: count)] += 1 }
        let expected = 10_000 / Double(count)
        let worst = sizes.map { abs(Double($0) - expected) / expected }.max()!
        #expect(worst < 0.05, "shard sizes \(sizes): \(String(format: "%.1f", worst * 100)) % from even")
    }

    @Test func shardTextIsKOfN() {
        #expect(Shard("3/8") == Shard(index: 3, count: 8))
        for bad in ["8/8", "-1/4", "1/0", "1", "1/2/3", "a/b", "", "1/ 2"] { #expect(Shard(bad) == nil, "\(bad)") }
    }
}

@Suite struct ShardSelectionTests {
    func resolve(_ option: String?, shards: Int? = nil, _ environment: [String: String] = [:]) throws(ShardSelection.Conflict) -> Shard? {
        try ShardSelection.resolve(option: option, shards: shards, environment: environment)
    }

    func conflict(_ option: String?, shards: Int? = nil, _ environment: [String: String] = [:]) -> String {
        do {
            let shard = try resolve(option, shards: shards, environment)
            return "no conflict: \(shard.map(\.description) ?? "nil")"
        } catch {
            return error.description
        }
    }

    let slurm = ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_STEP": "2", "SLURM_ARRAY_TASK_COUNT": "4"]

    @Test func withoutAnOptionTheEnvironmentIsIgnored() throws {
        #expect(try resolve(nil, slurm) == nil)
        #expect(try resolve(nil, ["JOB_COMPLETION_INDEX": "3"]) == nil)
    }

    @Test func slurmArrayIndexIsIDMinusMinOverStep() throws {
        #expect(try resolve("auto", slurm) == Shard(index: 2, count: 4))
        #expect(try resolve(nil, shards: 4, slurm) == Shard(index: 2, count: 4))
        #expect(try resolve("2/4", slurm) == Shard(index: 2, count: 4))
        var noStep = slurm
        noStep["SLURM_ARRAY_TASK_STEP"] = nil
        noStep["SLURM_ARRAY_TASK_ID"] = "3"
        #expect(try resolve("auto", noStep) == Shard(index: 2, count: 4))
    }

    @Test func kubernetesIndexNeedsTheCount() throws {
        #expect(try resolve(nil, shards: 8, ["JOB_COMPLETION_INDEX": "7"]) == Shard(index: 7, count: 8))
        #expect(conflict("auto", ["JOB_COMPLETION_INDEX": "7"]).contains("add --shards N"))
        #expect(conflict(nil, shards: 8, ["JOB_COMPLETION_INDEX": "8"]).contains("outside 0..<8"))
        #expect(conflict(nil, shards: 8, ["JOB_COMPLETION_INDEX": "x"]).contains("JOB_COMPLETION_INDEX='x'"))
    }

    @Test func explicitShardWithoutEnvironment() throws {
        #expect(try resolve("0/1") == Shard(index: 0, count: 1))
        #expect(conflict("4/4").contains("--shard must be K/N"))
        #expect(conflict("auto").contains("neither is set"))
        #expect(conflict(nil, shards: 0).contains("at least 1"))
    }

    @Test func contradictionsAreRefused() {
        #expect(conflict("1/4", slurm).contains("--shard 1/4 but the Slurm array task"))
        #expect(conflict("2/5", slurm).contains("SLURM_ARRAY_TASK_COUNT=4"))
        #expect(conflict("auto", shards: 5, slurm).contains("SLURM_ARRAY_TASK_COUNT=4"))
        #expect(conflict("2/4", shards: 3).contains("disagree"))
        #expect(conflict("3/8", ["JOB_COMPLETION_INDEX": "2"]).contains("--shard 3/8 but JOB_COMPLETION_INDEX is 2"))
        var both = slurm
        both["JOB_COMPLETION_INDEX"] = "1"
        #expect(conflict("auto", both).contains("SLURM_ARRAY_TASK_ID gives shard index 2 but JOB_COMPLETION_INDEX gives 1"))
        var misaligned = slurm
        misaligned["SLURM_ARRAY_TASK_ID"] = "4"
        #expect(conflict("auto", misaligned).contains("not MIN + k × STEP"))
    }
}

/// Shard result files and the merge's refusals, on results made here (failed studies: no model needed).
@Suite struct ShardResultTests {
    static func study(_ number: Int) -> (identity: StudyIdentity, folder: String) {
        let name = String(format: "S%04d", number)
        return (.png(studyId: name, folderName: name), "/archive/\(name)")
    }

    static func outcome(_ number: Int) throws -> StudyOutcome {
        let (identity, folder) = study(number)
        _ = identity
        let json = #"{"failed":{"_0":{"path":"\#(folder)","studyId":"S\#(number)","problems":[]}}}"#
        return try JSONDecoder().decode(StudyOutcome.self, from: Data(json.utf8))
    }

    /// The shards of `studies` studies in `count` shards, written into folders under `root`.
    static func writeShards(_ studies: Int, count: Int, under root: URL, model: String = "m@1", configuration: String = "built-in",
                            toolVersion: String = RadtriageVersion.current) throws -> [URL] {
        let all = (0..<studies).map(study)
        let inventory = ShardResult.inventorySHA256(all.map(\.identity))
        return try (0..<count).map { index in
            let mine = try (0..<studies).filter { all[$0].identity.shard(of: count) == index }.map {
                ShardResult.Study(identity: all[$0].identity, folder: all[$0].folder, outcome: try outcome($0))
            }
            let header = ShardResult.Header(shardIndex: index, shardCount: count, toolVersion: toolVersion, modelId: model,
                                            weightsSHA256: String(repeating: "ab", count: 32), configuration: configuration,
                                            studies: mine.count, studiesFound: studies, inventorySHA256: inventory)
            let folder = root.appendingPathComponent("shard-\(count)-\(index)-\(model)-\(configuration.prefix(8))")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try ShardResult(header: header, studies: mine).write(into: folder)
            return folder
        }
    }

    static func temporary() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-shards-\(UUID().uuidString)")
    }

    func refusal(_ inputs: [URL], configuration: String = "built-in") -> String {
        let out = Self.temporary()
        defer { try? FileManager.default.removeItem(at: out) }
        do {
            _ = try ShardMerge(configuration: .builtIn, configurationDigest: configuration).merge(inputs.map(\.path), into: out)
            return "merged"
        } catch let refusal as ShardMerge.Refusal {
            #expect(!FileManager.default.fileExists(atPath: out.path), "a refused merge writes nothing")
            return refusal.description
        } catch {
            return "other error: \(error)"
        }
    }

    @Test func aShardResultReadsBackAsWritten() throws {
        let root = Self.temporary()
        defer { try? FileManager.default.removeItem(at: root) }
        let shards = try Self.writeShards(50, count: 3, under: root)
        var seen = 0
        for (index, folder) in shards.enumerated() {
            let result = try ShardResult.read(folder.appendingPathComponent(ShardResult.fileName))
            #expect(result.header.shardIndex == index && result.header.studiesFound == 50 && result.header.studies == result.studies.count)
            #expect(result.studies.allSatisfy { $0.identity.shard(of: 3) == index })
            seen += result.studies.count
        }
        #expect(seen == 50)
        // The same shard written again: the same bytes.
        let again = try Self.writeShards(50, count: 3, under: Self.temporary())
        defer { try? FileManager.default.removeItem(at: again[0].deletingLastPathComponent()) }
        for (a, b) in zip(shards, again) {
            #expect(try Data(contentsOf: a.appendingPathComponent(ShardResult.fileName)) == Data(contentsOf: b.appendingPathComponent(ShardResult.fileName)))
        }
    }

    @Test func theMergeOfCompleteShardsHasEveryStudyRankedAsOneRunWould() throws {
        let root = Self.temporary()
        defer { try? FileManager.default.removeItem(at: root) }
        let shards = try Self.writeShards(40, count: 4, under: root)
        let out = root.appendingPathComponent("merged")
        let summary = try ShardMerge(configuration: .builtIn, configurationDigest: "built-in").merge(shards.reversed().map(\.path), into: out,
                                                                                                   now: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(summary.shards == 4 && summary.studies == 40 && summary.failed == 40)
        let all = try (0..<40).map { (URL(fileURLWithPath: Self.study($0).folder), try Self.outcome($0)) }
        let single = TriageRun.worklists(all, configuration: .builtIn, modelId: "m@1", weightsSHA256: String(repeating: "ab", count: 32),
                                         now: Date(timeIntervalSince1970: 1_800_000_000))
        let expected = root.appendingPathComponent("single")
        try FileManager.default.createDirectory(at: expected, withIntermediateDirectories: true)
        try WorklistWriter(directory: expected).write(single)
        for name in ["worklist.csv", "worklist.json", "worklist.html"] {
            #expect(try Data(contentsOf: out.appendingPathComponent(name)) == Data(contentsOf: expected.appendingPathComponent(name)), "\(name)")
        }
    }

    @Test func refusesAMissingShard() throws {
        let root = Self.temporary()
        defer { try? FileManager.default.removeItem(at: root) }
        let shards = try Self.writeShards(30, count: 4, under: root)
        let message = refusal([shards[0], shards[1], shards[3]])
        #expect(message.contains("1 of 4 shards missing: 2/4"), "\(message)")
    }

    @Test func refusesToWriteIntoAShardsFolder() throws {
        let root = Self.temporary()
        defer { try? FileManager.default.removeItem(at: root) }
        let shards = try Self.writeShards(10, count: 2, under: root)
        do {
            _ = try ShardMerge(configuration: .builtIn, configurationDigest: "built-in").merge(shards.map(\.path), into: shards[1])
            Issue.record("merged into a shard's folder")
        } catch let refusal as ShardMerge.Refusal {
            #expect(refusal.description.contains("is the output folder of shard 1/2"), "\(refusal)")
        }
        #expect(!FileManager.default.fileExists(atPath: shards[1].appendingPathComponent("worklist.csv").path))
    }

    @Test func refusesAShardGivenTwice() throws {
        let root = Self.temporary()
        defer { try? FileManager.default.removeItem(at: root) }
        let shards = try Self.writeShards(30, count: 3, under: root)
        let copy = root.appendingPathComponent("copy")
        try FileManager.default.copyItem(at: shards[1], to: copy)
        let message = refusal(shards + [copy])
        #expect(message.contains("shard 1/3 is given 2 times: \(shards[1].path)/shard-result.jsonl, \(copy.path)/shard-result.jsonl"), "\(message)")
    }

    @Test func refusesShardsOfDifferentN() throws {
        let root = Self.temporary()
        defer { try? FileManager.default.removeItem(at: root) }
        let three = try Self.writeShards(30, count: 3, under: root)
        let two = try Self.writeShards(30, count: 2, under: root)
        let message = refusal([three[0], three[1], two[1]])
        #expect(message.contains("the shards differ in their number of shards N: N = 2 (shard 1/2 in"), "\(message)")
        #expect(message.contains("N = 3 (shard 0/3 in"), "\(message)")
    }

    @Test func refusesShardsOfDifferentModelsToolsOrConfigurations() throws {
        let root = Self.temporary()
        defer { try? FileManager.default.removeItem(at: root) }
        let base = try Self.writeShards(30, count: 2, under: root)
        let otherModel = try Self.writeShards(30, count: 2, under: root, model: "m@2")
        let otherConfiguration = try Self.writeShards(30, count: 2, under: root, configuration: "sha256:1234")
        let otherTool = try Self.writeShards(30, count: 2, under: root.appendingPathComponent("tool"), toolVersion: "0.0.1")
        #expect(refusal([base[0], otherModel[1]]).contains("the shards differ in model: model m@1"))
        #expect(refusal([base[0], otherConfiguration[1]]).contains("the shards differ in configuration: configuration built-in"))
        #expect(refusal([base[0], otherTool[1]]).contains("the shards differ in tool version: radtriage 0.0.1"))
        // The merge's own configuration must be the shards'.
        #expect(refusal(otherConfiguration).contains("the shards ran with configuration sha256:1234, the merge was given built-in"))
    }

    @Test func refusesDamagedFiles() throws {
        let root = Self.temporary()
        defer { try? FileManager.default.removeItem(at: root) }
        let shards = try Self.writeShards(30, count: 2, under: root)
        let file = shards[1].appendingPathComponent(ShardResult.fileName)
        let good = try Data(contentsOf: file)
        func damaged(_ bytes: Data) throws -> String {
            try bytes.write(to: file)
            defer { try? good.write(to: file) }
            return refusal(shards)
        }
        var flipped = good
        flipped[good.count / 2] ^= 0x01
        #expect(try damaged(flipped).contains("\(file.path): damaged: its content does not match the SHA-256"))
        #expect(try damaged(good.prefix(good.count * 2 / 3)).contains("\(file.path): damaged: truncated"))
        #expect(try damaged(Data()).contains("\(file.path): empty: not a shard result"))
        #expect(try damaged(Data("SQLite format 3\0 and more\n".utf8)).contains("not a radtriage shard result"))
        let newer = String(decoding: good, as: UTF8.self).replacingOccurrences(of: #""formatVersion":1"#, with: #""formatVersion":2"#)
        #expect(try damaged(Data(newer.utf8)).contains("format version 2 is newer than this radtriage reads (1)"))
        #expect(refusal([shards[0], root.appendingPathComponent("nowhere")]).contains("nowhere: no shard result here"))
        #expect(refusal(shards) == "merged")
    }

    @Test func refusesAStudyInTheWrongShardOrShardsThatSawDifferentStudies() throws {
        let root = Self.temporary()
        defer { try? FileManager.default.removeItem(at: root) }
        // Shard 1 of 2 claims a study that belongs to shard 0, correctly sealed.
        let shards = try Self.writeShards(30, count: 2, under: root)
        let stray = try (0..<30).first { Self.study($0).identity.shard(of: 2) == 0 }.map {
            ShardResult.Study(identity: Self.study($0).identity, folder: Self.study($0).folder, outcome: try Self.outcome($0))
        }!
        var result = try ShardResult.read(shards[1].appendingPathComponent(ShardResult.fileName))
        result.studies.append(stray)
        try result.write(into: shards[1])
        #expect(refusal(shards).contains("belongs to shard 0/2, not 1/2"))
        // One shard ran before the thirty-first study arrived, the other after.
        let before = try Self.writeShards(30, count: 2, under: root.appendingPathComponent("before"))
        let after = try Self.writeShards(31, count: 2, under: root.appendingPathComponent("after"))
        #expect(refusal([before[0], after[1]]).contains("the shards differ in the studies they found: 30 studies"))
    }
}
