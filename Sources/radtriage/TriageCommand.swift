import ArgumentParser
import TriageCore

@main
struct TriageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "radtriage",
        abstract: "Triage PET/CT studies: decode, quantify (SUV), score and rank them into reading worklists.",
        discussion: ExitStatus.helpText,
        version: RadtriageVersion.current,
        subcommands: [Run.self, Merge.self, Inspect.self, Score.self, Synth.self, Bench.self, Simulate.self]
    )
}
