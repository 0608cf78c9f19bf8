import Foundation
import Testing

/// `radtriage simulate` end to end: the example department, JSON and HTML, and a replayed run state.
@Suite(.tags(.endToEnd)) struct SimulateEndToEndTests {
    @Test func theExampleDepartmentAsTextJSONAndHTML() throws {
        let text = try ExecutableRunner.run(["simulate"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("example department: 60 PET/CT studies a weekday"))
        for title in ["configured ranking", "arrival order", "priority class only", "model only", "ready before their tumour board", "worst day"] {
            #expect(text.stdout.contains(title))
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-simulate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let page = folder.appendingPathComponent("simulation.html")
        let first = try ExecutableRunner.run(["simulate", "--seed", "5", "--json", "--html", page.path])
        let second = try ExecutableRunner.run(["simulate", "--seed", "5", "--json"])
        #expect(first.status == 0 && second.status == 0)
        #expect(first.stdout == second.stdout, "the same seed gives the same report")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        let policies = try #require(report["policies"] as? [[String: Any]])
        #expect(policies.compactMap { $0["policy"] as? String } == ["configured", "arrivalOrder", "priorityClass", "modelOnly"])
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("polyline") && html.contains("model only"))
        let other = try ExecutableRunner.run(["simulate", "--seed", "6", "--json"])
        #expect(other.stdout != first.stdout)
    }

    @Test func replaysTheArrivalsOfARunState() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-simulate-state-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try ExecutableRunner.run(["run", "--studies", ExecutableRunner.sampleData.path, "--out", out.path, "--jobs", "1"])
        #expect(run.status <= 1, "\(run.stderr)")
        let replay = try ExecutableRunner.run(["simulate", "--state", out.path, "--readers", "1", "--reader-hours", "always", "--json"])
        #expect(replay.status == 0, "\(replay.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(replay.stdout.utf8)) as? [String: Any])
        #expect(report["studies"] as? Int == 3)
        #expect((report["department"] as? [String])?.first?.hasPrefix("replayed history: 3 studies") == true)
        let missing = try ExecutableRunner.run(["simulate", "--state", out.appendingPathComponent("nowhere").path])
        #expect(missing.status == 74)
        #expect(missing.stderr.contains("no run state here"))
        let badOption = try ExecutableRunner.run(["simulate", "--arrival-days", "Someday"])
        #expect(badOption.status == 64)
        #expect(badOption.stderr.contains("--arrival-days Someday"))
    }
}
