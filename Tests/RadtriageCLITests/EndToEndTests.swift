import Foundation
import Testing

extension Tag {
    @Tag static var endToEnd: Self
}

/// The executable end to end, on SampleData and on generated studies: output and exit codes.
@Suite(.tags(.endToEnd)) struct EndToEndTests {
    @Test func inspectSampleDataReportsTheBrokenStudyAndExitsOne() throws {
        let result = try ExecutableRunner.run(["inspect", ExecutableRunner.sampleData.path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("S0001  \(ExecutableRunner.sampleData.path)/S0001  usable"))
        #expect(result.stdout.contains("S0002  \(ExecutableRunner.sampleData.path)/S0002  usable"))
        #expect(result.stdout.contains("S0003  \(ExecutableRunner.sampleData.path)/S0003  NOT USABLE"))
        #expect(result.stdout.contains("S0003/PT/0032.png: damaged PNG: unexpected end of file (truncated)"))
        #expect(result.stdout.contains("SUVmax"))
    }

    @Test func inspectOneSoundStudyAsJSONExitsZero() throws {
        let result = try ExecutableRunner.run(["inspect", ExecutableRunner.sampleData.appendingPathComponent("S0001").path, "--json"])
        #expect(result.status == 0)
        let studies = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(studies.count == 1)
        #expect(studies[0]["studyId"] as? String == "S0001")
        let series = try #require((studies[0]["series"] as? [[String: Any]])?.first)
        let suv = try #require(series["suv"] as? [String: Any])
        #expect((suv["suvMax"] as? Double ?? 0) > 5)
        #expect((suv["provenance"] as? [String: String])?["decay correction"] == "START")
    }

    @Test func synthThenInspectRoundTripsAndABrokenSliceFails() throws {
        let folder = ExecutableRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let synth = try ExecutableRunner.run(["synth", "--out", folder.path, "--studies", "2", "--slices", "20", "--matrix", "32", "--seed", "9"])
        #expect(synth.status == 0)
        #expect(synth.stdout.contains("wrote 2 studies × 20 slices"))
        #expect(synth.stderr.isEmpty, "no progress bar when stderr is not a terminal")
        #expect(try ExecutableRunner.run(["inspect", folder.path]).status == 0)
        try Data("not a png".utf8).write(to: folder.appendingPathComponent("S0002/PT/0005.png"))
        let broken = try ExecutableRunner.run(["inspect", folder.path])
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("S0002/PT/0005.png: not a PNG file"))
        let slice = try ExecutableRunner.run(["inspect", folder.appendingPathComponent("S0001/PT/0001.png").path])
        #expect(slice.status == 0 && slice.stdout.contains("32 × 32  16-bit  grayscale"))
    }

    @Test func usageErrorsExitSixtyFourWithAMessage() throws {
        let result = try ExecutableRunner.run(["synth", "--out", "/tmp/unused", "--slices", "0"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--slices must be at least 1"))
        let missing = try ExecutableRunner.run(["inspect", "/nonexistent/radtriage-study"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("/nonexistent/radtriage-study: no such file or folder"))
    }

    @Test func aMissingModelExitsSeventyEightNamingIt() throws {
        let result = try ExecutableRunner.run(["score", ExecutableRunner.sampleData.appendingPathComponent("S0001").path, "--model", "/nonexistent/model"])
        #expect(result.status == 78)
        #expect(result.stderr.contains("/nonexistent/model: manifest.json not found"))
    }

    @Test func helpListsTheCommandsAndExitCodes() throws {
        let result = try ExecutableRunner.run(["--help"])
        #expect(result.status == 0)
        for text in ["run", "inspect", "score", "synth", "Exit codes:", "64  usage error", "78  invalid configuration file or model"] {
            #expect(result.stdout.contains(text), "\(text)")
        }
    }
}

/// The DICOM sample study through the executable: inspect explains it, score scores it.
@Suite(.tags(.endToEnd)) struct DICOMEndToEndTests {
    @Test func inspectAndScoreTheDICOMSampleStudy() throws {
        let folder = ExecutableRunner.sampleData.appendingPathComponent("DICOM")
        let inspect = try ExecutableRunner.run(["inspect", folder.path])
        #expect(inspect.status == 0, "\(inspect.stdout)\(inspect.stderr)")
        #expect(inspect.stdout.contains("DICOM study 2.25."))
        #expect(inspect.stdout.contains("PET, scored: the first PET series by the rule"))
        #expect(inspect.stdout.contains("SUV decay correction: START"))
        let score = try ExecutableRunner.run(["score", folder.path])
        #expect(score.status == 0, "\(score.stdout)\(score.stderr)")
        #expect(score.stdout.contains("probability") && score.stdout.contains("(48 slices of PT series 2)"))
    }
}
