import Foundation
import Testing

/// `radtriage bench` end to end on a few tiny generated studies: it runs the real command at 1 and 2
/// jobs and reports the bounds beside it.
@Suite(.tags(.endToEnd)) struct BenchEndToEndTests {
    @Test func benchReportsTheRunsTheBoundsAndTheirRatiosAsJSON() throws {
        let result = try ExecutableRunner.run(["bench", "--generate", "2x6", "--matrix", "64", "--jobs", "2", "--rounds", "2", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["studies"] as? Int == 2 && report["slices"] as? Int == 12 && report["sliceSize"] as? String == "64×64 PT")
        let runs = try #require(report["runs"] as? [[String: Any]])
        #expect(runs.map { $0["jobs"] as? Int } == [1, 2])
        for run in runs {
            #expect(run["slices"] as? Int == 12 && run["studies"] as? Int == 2, "every study scored: \(run)")
            #expect((run["peakRSSMB"] as? Double ?? 0) > 1 && (run["seconds"] as? Double ?? 0) > 0)
            #expect((run["decodeMsPerSlice"] as? Double ?? 0) > 0 && (run["modelMsPerSlice"] as? Double ?? 0) > 0)
            // Two rounds at each job count, interleaved; the one reported is the faster.
            let rounds = run["roundSeconds"] as? [Double] ?? []
            #expect(rounds.count == 2 && run["seconds"] as? Double == rounds.min(), "\(rounds)")
        }
        let decode = try #require(report["decodeBound"] as? [String: Any])
        #expect(decode["slices"] as? Int == 12 && (decode["seconds"] as? Double ?? 0) > 0)
        let pipeline = try #require(report["pipelineBound"] as? [String: Any])
        #expect(pipeline["slices"] as? Int == 12 && (pipeline["seconds"] as? Double ?? 0) > 0)
        // The same plain pipeline on 2 threads: the machine's own scaling, beside radtriage's.
        let parallel = try #require(report["parallelPipelineBound"] as? [String: Any])
        #expect(parallel["slices"] as? Int == 12 && (parallel["seconds"] as? Double ?? 0) > 0)
        // The default model's six GEMM layers (its first has 5 channels, so it is a GEMM too; the last two
        // are the 1 × 1 head of its logit map): 2·8·45·128² + 2·16·72·64² + 2·32·144·32² + 2·48·288·16²
        // + 2·32·48·16² + 2·1·32·16² multiply-adds' FLOPs.
        let gemm = try #require(report["gemmBound"] as? [String: Any])
        #expect(gemm["flopPerSlice"] as? Double == Double(2 * 8 * 45 * 16384 + 2 * 16 * 72 * 4096 + 2 * 32 * 144 * 1024 + 2 * 48 * 288 * 256
                                                          + 2 * 32 * 48 * 256 + 2 * 1 * 32 * 256))
        let ratios = try #require(report["ratios"] as? [String: Any])
        #expect((ratios["scaling"] as? [String: Double])?["1"] == 1)
        #expect((ratios["toDecodeOnly"] as? Double ?? 0) > 0 && (ratios["toSGEMMOnly"] as? Double ?? 0) > 0)
        #expect((ratios["toPlainPipeline"] as? Double ?? 0) > 0 && (ratios["plainPipelineScaling"] as? Double ?? 0) > 0)
        #expect(result.stderr.contains("bench: radtriage run --jobs 2 (round 2 of 2)"), "progress on stderr")
    }

    /// A folder of DICOM studies only: the runs score them, and the bounds read the same files (the
    /// plain loop copies each file's native pixels, no parsing); its logits are radtriage's.
    @Test func benchMeasuresADICOMOnlyStudiesFolder() throws {
        let studies = ExecutableRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: studies) }
        let synth = try ExecutableRunner.run(["synth", "--out", studies.path, "--studies", "2", "--slices", "6", "--matrix", "64", "--format", "dicom"])
        try #require(synth.status == 0, "\(synth.stderr)")
        let result = try ExecutableRunner.run(["bench", "--studies", studies.path, "--jobs", "1", "--rounds", "1", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["studies"] as? Int == 2 && report["slices"] as? Int == 12 && report["sliceSize"] as? String == "64×64 PT (DICOM)")
        let runs = try #require(report["runs"] as? [[String: Any]])
        #expect(runs.count == 1 && runs[0]["slices"] as? Int == 12 && runs[0]["studies"] as? Int == 2, "every study scored: \(runs)")
        let decode = try #require(report["decodeBound"] as? [String: Any])
        #expect(decode["slices"] as? Int == 12 && (decode["seconds"] as? Double ?? 0) > 0)
        let pipeline = try #require(report["pipelineBound"] as? [String: Any])
        #expect(pipeline["slices"] as? Int == 12 && (pipeline["seconds"] as? Double ?? 0) > 0)
    }

    /// Usage errors, and studies that cannot be measured, exit 64 with the folder named.
    @Test func benchNeedsStudiesOrAGenerateSpecification() throws {
        let neither = try ExecutableRunner.run(["bench"])
        #expect(neither.status == 64 && neither.stderr.contains("give either --studies DIR or --generate NxM"))
        let missing = try ExecutableRunner.run(["bench", "--studies", "/nonexistent/studies"])
        #expect(missing.status == 64 && missing.stderr.contains("Error: /nonexistent/studies: not a readable directory"))
        let empty = ExecutableRunner.temporaryFolder()
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        let nothing = try ExecutableRunner.run(["bench", "--studies", empty.path])
        #expect(nothing.status == 64 && nothing.stderr.contains("Error: \(empty.path): no readable PT slices"))
        let malformed = try ExecutableRunner.run(["bench", "--generate", "8by300"])
        #expect(malformed.status == 64 && malformed.stderr.contains("--generate must be N×M studies × slices, such as 8x300 (got 8by300)"))
        let noRounds = try ExecutableRunner.run(["bench", "--generate", "1x2", "--rounds", "0"])
        #expect(noRounds.status == 64 && noRounds.stderr.contains("--rounds must be at least 1"))
    }
}
