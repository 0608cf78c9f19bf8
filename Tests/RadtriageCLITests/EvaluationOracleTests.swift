import Foundation
import Testing

@Suite struct EvaluationOracleTests {
    /// What the model card's figures rest on: in the families drawn by contrast, every lesion is in the
    /// volume radtriage reads where its ground truth says, at its expected SUVmax within the noise, and
    /// the evaluation's bookkeeping (Models/training/evaluate.py) scores rankings that know the truth as
    /// perfect and rankings that point away from every lesion as localising none, and its false-positive
    /// trace maps places as the ground truth does (Models/training/oracle_check.py, run with the test
    /// environment's numpy and Pillow).
    @Test func lesionsAreWhereTheEvaluationLooksAndItsBookkeepingIsExact() throws {
        let python = ExecutableRunner.repositoryRoot.appendingPathComponent(".build/venv/bin/python")
        try #require(FileManager.default.isExecutableFile(atPath: python.path), "no test environment at \(python.path): run `make test-venv`")
        let folder = ExecutableRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var studies: [String] = []
        for family in ["lumpy", "analytic", "warped"] {
            let out = folder.appendingPathComponent(family)
            // Seed 12 draws two studies with lesions and two without in each family.
            let synth = try ExecutableRunner.run(["synth", "--out", out.path, "--studies", "4", "--slices", "60", "--matrix", "128", "--seed", "12",
                                                  "--family", family, "--lesion-probability", "0.5"])
            #expect(synth.status == 0, "\(synth.stderr)")
            studies += (1...4).map { out.appendingPathComponent(String(format: "S%04d", $0)).path }
        }
        let check = try ExecutableRunner.run(python, [
            ExecutableRunner.repositoryRoot.appendingPathComponent("Models/training/oracle_check.py").path,
            "--radtriage", ExecutableRunner.executable.path] + studies)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("evaluation bookkeeping: exact rankings pass"), "\(check.stdout)")
        #expect(check.stdout.contains("lesion coordinates mapped, pass"), "\(check.stdout)")
        #expect(check.stdout.components(separatedBy: "\"inPlace\": true").count - 1 >= 6, "\(check.stdout)")
    }
}
