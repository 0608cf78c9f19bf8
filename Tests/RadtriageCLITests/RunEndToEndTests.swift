import Foundation
import Testing

/// `radtriage run` end to end on the sample studies.
@Suite(.tags(.endToEnd)) struct RunEndToEndTests {
    /// SampleData with S0001 (lesions) and S0002 (none) given the same clinical context, so that only the
    /// model's finding separates them.
    static func equalisedSampleData() throws -> URL {
        let folder = ExecutableRunner.temporaryFolder()
        try FileManager.default.copyItem(at: ExecutableRunner.sampleData, to: folder)
        // The DICOM sample takes its clinical context from its tags, which this equalising does not reach.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("DICOM"))
        for study in ["S0001", "S0002", "S0003"] {
            let url = folder.appendingPathComponent("\(study)/study.json")
            var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
            json["orderedPriority"] = "routine"
            json["organCentre"] = "lung"
            json["site"] = "North"
            json["receivedDateTime"] = "2026-11-23T08:00:00"
            try JSONSerialization.data(withJSONObject: json).write(to: url)
        }
        return folder
    }

    @Test func runRanksTheLesionStudyFirstAndListsTheBrokenOneAsFailed() throws {
        let studies = try Self.equalisedSampleData()
        let out = ExecutableRunner.temporaryFolder()
        defer { for url in [studies, out] { try? FileManager.default.removeItem(at: url) } }
        let config = ExecutableRunner.repositoryRoot.appendingPathComponent("Docs/radtriage.example.yaml").path
        let result = try ExecutableRunner.run(["run", "--studies", studies.path, "--out", out.path, "--config", config, "--now", "2026-11-23T10:00:00Z"])
        #expect(result.status == 1, "some studies failed: \(result.stderr)")
        #expect(result.stdout.contains("3 studies: 2 scored, 0 unchanged, 1 failed"))
        let csv = try String(contentsOf: out.appendingPathComponent("worklist.csv"), encoding: .utf8)
        let lines = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.count == 4)
        #expect(lines[1].hasPrefix("1,S0001,"), "the lesion study first: \(lines[1])")
        #expect(lines[2].hasPrefix("2,S0002,"))
        #expect(lines[3].hasPrefix("3,S0003,") && lines[3].contains(",failed,") && lines[3].contains("0032.png: damaged PNG"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("worklist.json"))) as? [String: Any])
        #expect(json["schemaVersion"] as? Int == 1 && json["modelId"] as? String == "radtriage-pet-default@5.0.0")
        let html = try String(contentsOf: out.appendingPathComponent("worklist.html"), encoding: .utf8)
        #expect(html.contains("Failed studies") && html.contains("data:image/png;base64,"))
        // The example configuration's pools: all three are at site North.
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("worklist-north.csv").path))
    }

    @Test func anInvalidConfigurationExitsSeventyEightNamingTheKey() throws {
        let folder = ExecutableRunner.temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("bad.yaml")
        try Data("priorities:\n  stat: {maxWaitHours: -1}\n".utf8).write(to: config)
        let result = try ExecutableRunner.run(["run", "--studies", ExecutableRunner.sampleData.path, "--out", folder.appendingPathComponent("out").path,
                                               "--config", config.path])
        #expect(result.status == 78)
        #expect(result.stderr.contains("\(config.path):2:24: priorities.stat.maxWaitHours = -1: expected a number above 0.0"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path), "nothing written")
    }
}

/// `radtriage run` on studies made by `radtriage synth`, all given the same clinical context.
@Suite(.tags(.endToEnd)) struct SynthRunEndToEndTests {
    @Test func lesionStudiesRankAboveNormalOnesAtEqualContext() throws {
        let studies = ExecutableRunner.temporaryFolder(), out = ExecutableRunner.temporaryFolder()
        defer { for url in [studies, out] { try? FileManager.default.removeItem(at: url) } }
        // Slices 4.75 mm apart, as a scanner's: the 2.5-D default model reads the series 5 and 10 mm above and below.
        let synth = try ExecutableRunner.run(["synth", "--out", studies.path, "--studies", "6", "--slices", "200", "--matrix", "128",
                                              "--seed", "303", "--lesion-probability", "0.5"])
        #expect(synth.status == 0)
        var hasLesion: [String: Bool] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: studies.path) {
            let folder = studies.appendingPathComponent(name)
            let truth = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("ground_truth.json"))) as? [String: Any])
            hasLesion[name] = truth["hasLesion"] as? Bool
            let sidecar = folder.appendingPathComponent("study.json")
            var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: sidecar)) as? [String: Any])
            json["orderedPriority"] = "routine"
            json["organCentre"] = "lung"
            json["receivedDateTime"] = "2026-11-23T08:00:00"
            try JSONSerialization.data(withJSONObject: json).write(to: sidecar)
        }
        #expect(Set(hasLesion.values) == [true, false], "the seed gives both kinds: \(hasLesion)")
        let run = try ExecutableRunner.run(["run", "--studies", studies.path, "--out", out.path, "--now", "2026-11-23T10:00:00Z", "--jobs", "2"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = try String(contentsOf: out.appendingPathComponent("worklist.csv"), encoding: .utf8)
            .components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }
        let order = lines.map { String($0.split(separator: ",")[1]) }
        let lesionRanks = order.enumerated().filter { hasLesion[$0.element] == true }.map(\.offset)
        let normalRanks = order.enumerated().filter { hasLesion[$0.element] == false }.map(\.offset)
        #expect(lesionRanks.max()! < normalRanks.min()!, "every lesion study above every normal one: \(order) \(hasLesion)")
    }
}

/// One run at a time: while another process holds the output folder's lock, `run` exits at once with 75.
@Suite(.tags(.endToEnd)) struct RunLockEndToEndTests {
    @Test func aSecondRunExitsSeventyFiveAndWritesNothing() throws {
        let out = ExecutableRunner.temporaryFolder()
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: out) }
        let lockPath = out.appendingPathComponent(".radtriage.lock").path
        // Close-on-exec: a child process another test starts meanwhile must not inherit the lock and hold it after close.
        let held = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        #expect(held >= 0 && flock(held, LOCK_EX | LOCK_NB) == 0)
        let blocked = try ExecutableRunner.run(["run", "--studies", ExecutableRunner.sampleData.path, "--out", out.path])
        #expect(blocked.status == 75)
        #expect(blocked.stderr == "radtriage: another radtriage run holds \(lockPath); this run exits without doing anything\n")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("worklist.csv").path))
        // The lock goes with the process that held it: the next run works.
        close(held)
        let next = try ExecutableRunner.run(["run", "--studies", ExecutableRunner.sampleData.path, "--out", out.path])
        #expect(next.status == 1 && FileManager.default.fileExists(atPath: out.appendingPathComponent("worklist.csv").path),
                "exit \(next.status): \(next.stderr.suffix(500))")
    }
}

/// Logs: one line per event on stderr, and no patient identifier unless asked for.
@Suite(.tags(.endToEnd)) struct RunLogEndToEndTests {
    static func identifiers() throws -> [String] {
        try ["S0001", "S0002", "S0003"].flatMap { study -> [String] in
            let url = ExecutableRunner.sampleData.appendingPathComponent("\(study)/study.json")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
            return [json["patientId"] as? String, json["accessionNumber"] as? String].compactMap { $0 }
        }
    }

    @Test func noPatientIdentifierInTheLogsUnlessAsked() throws {
        let out = ExecutableRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let identifiers = try Self.identifiers()
        #expect(identifiers.count == 6)
        let quiet = try ExecutableRunner.run(["run", "--studies", ExecutableRunner.sampleData.path, "--out", out.path, "--log-format", "json"])
        let lines = quiet.stderr.split(separator: "\n")
        #expect(lines.count == 6, "run started, four studies (three PNG, one DICOM), run finished: \(quiet.stderr)")
        for line in lines {
            let event = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
            #expect(event["run.id"] != nil && event["message"] != nil)
        }
        #expect(quiet.stderr.contains("\"message\":\"study failed\"") && quiet.stderr.contains("\"study.id\":\"S0003\""))
        for identifier in identifiers {
            #expect(!quiet.stderr.contains(identifier) && !quiet.stdout.contains(identifier), "\(identifier) leaked into the logs")
        }
        #expect(!quiet.stderr.contains(ExecutableRunner.sampleData.path), "no paths either")
        let loud = try ExecutableRunner.run(["run", "--studies", ExecutableRunner.sampleData.path, "--out", out.path, "--log-identifiers", "--full"])
        #expect(identifiers.filter { loud.stderr.contains($0) }.count == 4, "the two scored studies' ids, when asked for")
    }
}

@Suite(.tags(.endToEnd)) struct RunFolderErrorTests {
    @Test func aMissingStudiesFolderIsAUsageErrorAndAnUnwritableOutputExitsSeventyThree() throws {
        let missing = try ExecutableRunner.run(["run", "--studies", "/nonexistent/studies", "--out", ExecutableRunner.temporaryFolder().path])
        #expect(missing.status == 64 && missing.stderr.contains("/nonexistent/studies: not a readable directory"))
        let file = ExecutableRunner.temporaryFolder()
        try Data("x".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let unwritable = try ExecutableRunner.run(["run", "--studies", ExecutableRunner.sampleData.path, "--out", file.appendingPathComponent("out").path])
        #expect(unwritable.status == 73 && unwritable.stderr.contains("cannot create the output directory"))
    }
}
