import Foundation
import Testing

/// A Python with PyTorch and safetensors (training only, never needed to build or run radtriage):
/// $RADTRIAGE_TORCH_PYTHON, else .build/venv-train/bin/python, where Models/training/train_torch.py's
/// instructions put one. Without it the model-exchange test is skipped, and says so.
enum TorchPython {
    static let candidates: [String] = [ProcessInfo.processInfo.environment["RADTRIAGE_TORCH_PYTHON"],
                                       ExecutableRunner.repositoryRoot.appendingPathComponent(".build/venv-train/bin/python").path].compactMap { $0 }

    static let path: String? = candidates.first { candidate in
        guard FileManager.default.isExecutableFile(atPath: candidate),
              let run = try? ExecutableRunner.run(URL(fileURLWithPath: candidate), ["-c", "import torch, safetensors, numpy, PIL"])
        else { return false }
        return run.status == 0
    }
}

@Suite struct ModelExchangeTests {
    /// The promise of the model format: a network trained in PyTorch and exported as documented gives
    /// the same slice logits in radtriage. PyTorch builds the default model from its manifest with its own
    /// layers and runs it on real slices (2.5-D inputs stacked at the manifest's offsets); radtriage
    /// scores the same studies; Models/training/model_exchange.py compares every slice.
    @Test(.enabled(if: TorchPython.path != nil,
                   "no Python with torch and safetensors (set RADTRIAGE_TORCH_PYTHON or create .build/venv-train)"))
    func pytorchAndRadtriageAgreeOnTheDefaultModelsLogits() throws {
        let python = try #require(TorchPython.path)
        let folder = ExecutableRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // The scanner's 256 × 256 (an exact halving onto the model grid) and 200 × 200 (fractional area weights).
        for (family, seed, matrix) in [("analytic", "71", "256"), ("basic", "72", "200")] {
            let synth = try ExecutableRunner.run(["synth", "--out", folder.appendingPathComponent(family).path, "--studies", "1",
                                                  "--slices", "40", "--matrix", matrix, "--seed", seed, "--family", family,
                                                  "--lesion-probability", "1"])
            #expect(synth.status == 0, "\(synth.stderr)")
        }
        let studies = ["analytic", "basic"].map { folder.appendingPathComponent($0).appendingPathComponent("S0001").path }
        let root = ExecutableRunner.repositoryRoot
        let check = try ExecutableRunner.run(URL(fileURLWithPath: python), [
            root.appendingPathComponent("Models/training/model_exchange.py").path, "--radtriage", ExecutableRunner.executable.path,
            "--model", root.appendingPathComponent("Models/pet-default").path] + studies)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("\"agree\": true") && check.stdout.contains("\"slices\": 80"), "\(check.stdout)")
    }
}
