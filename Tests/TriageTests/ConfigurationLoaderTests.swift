import Foundation
import Testing
import TriageCore
@testable import Triage

@Suite struct ConfigurationLoaderTests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Docs/radtriage.example.yaml")

    @Test func theDocumentedExampleLoads() throws {
        let configuration = try ConfigurationLoader().load(file: Self.example.path)
        #expect(configuration.weights == TriageConfiguration.Weights(), "the example states the built-in weights")
        #expect(configuration.priorityClass(.stat).maxWaitHours == 4)
        let lung = try #require(configuration.centres["lung"])
        #expect(lung.boards == [.init(weekday: 2, hour: 16, minute: 30, timeZone: TimeZone(identifier: "Europe/Berlin")!)])
        #expect(lung.preparationMarginHours == 2)
        #expect(configuration.centres["lymphoma"]?.boards.count == 2)
        #expect(configuration.pools.map(\.name) == ["north", "south"])
        #expect(configuration.pool(site: "Harbour", centre: nil) == "north")
    }

    /// An older file's model weight meant points × probability; it is refused by name, not read with the new meaning.
    @Test func aRetiredWeightIsRefusedNamingItsReplacement() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader().parse("weights:\n  modelProbability: 40\n", file: "old.yaml")
        }
        #expect(error.problems.count == 1)
        #expect(error.description.hasPrefix("old.yaml:2:3: weights.modelProbability: expected weights.model instead"))
    }

    @Test func anEmptyFileIsTheBuiltInDefault() throws {
        let configuration = try ConfigurationLoader().parse("")
        #expect(configuration.weights == TriageConfiguration.Weights())
        #expect(configuration.centres.isEmpty && configuration.pools.isEmpty)
    }

    @Test func everyProblemIsReportedWithLineKeyPathValueAndWhatIsAllowed() throws {
        let yaml = """
            weights:
              model: -3
              deadlineHorizonHours: 0
            priorities:
              stat: {urgency: 2, maxWaitHours: 4}
              asap: {maxWaitHours: 2}
            centres:
              lung:
                preparationMarginHours: 2
                boards:
                  - {weekday: tusday, time: "25:30", timeZone: Mars/Base}
              breast:
                preparationMarginHour: 4
            pools:
              - {sites: [North]}
            extra: 1
            """
        let error = try #require(throws: ConfigurationError.self) { try ConfigurationLoader().parse(yaml, file: "radtriage.yaml") }
        let expected = [
            "radtriage.yaml:2:10: weights.model = -3: expected a number of at least 0.0",
            "radtriage.yaml:3:25: weights.deadlineHorizonHours = 0: expected a number above 0.0",
            "radtriage.yaml:5:19: priorities.stat.urgency = 2: expected a number from 0.0 to 1.0",
            "radtriage.yaml:6:3: priorities.asap = asap: expected stat, urgent or routine",
            "radtriage.yaml:11:19: centres.lung.boards[0].weekday = tusday: expected a weekday name (monday ... sunday)",
            "radtriage.yaml:11:33: centres.lung.boards[0].time = 25:30: expected a local time HH:MM",
            "radtriage.yaml:11:52: centres.lung.boards[0].timeZone = Mars/Base: expected an IANA time zone such as Europe/Berlin",
            "radtriage.yaml:13:5: centres.breast.preparationMarginHour: expected one of the known keys (boards, preparationMarginHours); unknown keys are refused so that a typo is not ignored",
            "radtriage.yaml: centres.breast.boards: required key is missing (a list of weekly boards)",
            "radtriage.yaml: pools[0].name: required key is missing",
            "radtriage.yaml:16:1: extra: expected one of the known keys (centres, dicom, pools, priorities, weights); unknown keys are refused so that a typo is not ignored",
        ]
        let lines = error.description.split(separator: "\n").map(String.init)
        for line in expected {
            #expect(lines.contains(line), "missing: \(line)\nall:\n\(error.description)")
        }
        #expect(lines.count == expected.count, "\(error.description)")
    }

    @Test func unreadableAndMalformedFiles() throws {
        let missing = try #require(throws: ConfigurationError.self) { try ConfigurationLoader().load(file: "/nonexistent/radtriage.yaml") }
        #expect(missing.description.hasPrefix("/nonexistent/radtriage.yaml: cannot read the file"))
        let broken = try #require(throws: ConfigurationError.self) { try ConfigurationLoader().parse("weights: [1, 2", file: "c.yaml") }
        #expect(broken.description.hasPrefix("c.yaml: not valid YAML"))
        let list = try #require(throws: ConfigurationError.self) { try ConfigurationLoader().parse("- 1\n- 2", file: "c.yaml") }
        #expect(list.description == "c.yaml:1:1: (top level): expected a mapping of keys to values")
    }
}

/// The structure guard in front of Yams: aliases as values pass, the constructs whose cost explodes do not.
@Suite struct YAMLStructureGuardTests {
    @Test func theExampleConfigurationAndAliasesAsValuesPass() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Docs/radtriage.example.yaml")
        #expect(YAMLStructureGuard.problems(in: try String(contentsOf: example, encoding: .utf8)) == [])
        #expect(YAMLStructureGuard.problems(in: "d: &d {urgency: 0.5}\npriorities:\n  urgent: *d\n  stat:\n    <<: *d\n  - *d\n") == [])
        #expect(YAMLStructureGuard.problems(in: "text: 'it''s *not an alias'\nother: \"? no: *x\" # *y: z\nblock: |\n  *a: b\n  ? c\nnext: 1\n") == [])
    }

    @Test(arguments: [
        ("*a : 1\n", "1:1: an alias used as a mapping key"),
        ("x: 1\n  *a: 1\n", "2:3: an alias used as a mapping key"),
        ("k: {*a : 1}\n", "1:5: an alias inside a flow collection"),
        ("k: [*a, *a]\n", "1:5: an alias inside a flow collection"),
        ("? [a]\n: 1\n", "1:1: complex mapping keys"),
        (String(repeating: "[", count: 65), "1:65: flow collections nested more than 64 deep"),
    ] as [(String, String)])
    func refused(text: String, expected: String) {
        let problems = YAMLStructureGuard.problems(in: text, file: "c.yaml")
        #expect(problems.first?.compilerStyle.hasPrefix("c.yaml:" + expected) == true, "\(problems)")
    }
}
