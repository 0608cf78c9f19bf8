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
        // Arrival rates per weekday and hour from a file: Mondays 09:00–10:00 Berlin only.
        let rates = folder.appendingPathComponent("rates.csv")
        try "weekday,hour,studies per hour\nmon,9,12\n".write(to: rates, atomically: true, encoding: .utf8)
        let monday = try ExecutableRunner.run(["simulate", "--arrival-rates", rates.path, "--weeks", "2", "--json"])
        #expect(monday.status == 0, "\(monday.stderr)")
        let mondays = try #require(try JSONSerialization.jsonObject(with: Data(monday.stdout.utf8)) as? [String: Any])
        let firstArrival = try #require(mondays["firstArrival"] as? String), lastArrival = try #require(mondays["lastArrival"] as? String)
        #expect(firstArrival.hasPrefix("2026-11-23T08:") && lastArrival.hasPrefix("2026-11-30T08:"), "09:00–10:00 in Berlin is 08:00–09:00 UTC")
        try "weekday,hour,rate\nmon,25,3\n".write(to: rates, atomically: true, encoding: .utf8)
        let bad = try ExecutableRunner.run(["simulate", "--arrival-rates", rates.path])
        #expect(bad.status == 64 && bad.stderr.contains("rates.csv:2: expected 'weekday,hour,studies per hour'"))
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
