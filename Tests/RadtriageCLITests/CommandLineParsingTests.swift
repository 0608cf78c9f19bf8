import ArgumentParser
import Foundation
import Logging
import Synchronization
import Testing
import TriageCore
@testable import radtriage

/// The command line parsed in the process: options, defaults and refusals, without running anything.
struct CommandLineParsingTests {
    @Test func runTakesItsOptionsAndDefaults() throws {
        let run = try #require(try TriageCommand.parseAsRoot(["run", "--studies", "in", "--out", "out", "--jobs", "3", "--full"]) as? Run)
        #expect(run.studies == "in" && run.out == "out" && run.jobs == 3 && run.full && run.config == nil && !run.followSymlinks)
        #expect(run.logging.logLevel == .info && run.logging.logFormat == .text && !run.logging.logIdentifiers)
    }

    @Test(arguments: [
        ["run", "--out", "out"],
        ["run", "--studies", "in", "--out", "out", "--jobs", "0"],
        ["run", "--studies", "in", "--out", "out", "--log-format", "xml"],
        ["bench", "--studies", "in", "--generate", "2x10"],
        ["bench", "--generate", "2by10"],
        ["bench", "--generate", "2x10", "--matrix", "8"],
        ["synth", "--out", "o", "--family", "cubist"],
        ["frobnicate"],
    ])
    func refusedCommandLinesAreUsageErrors(arguments: [String]) {
        // ArgumentParser's own exit code for these is EX_USAGE, the table's usage status.
        #expect(TriageCommand.exitCode(for: Self.error(arguments)).rawValue == ExitStatus.usage.code, "\(arguments)")
    }

    @Test func benchReadsGenerateAsStudiesBySlices() throws {
        #expect(try Bench.parseGenerate("8x300") == (8, 300))
        #expect(try Bench.parseGenerate("2×12") == (2, 12))
        #expect(throws: (any Error).self) { try Bench.parseGenerate("0x12") }
    }

    private static func error(_ arguments: [String]) -> any Error {
        do {
            _ = try TriageCommand.parseAsRoot(arguments)
            return CleanExit.message("parsed without an error")
        } catch {
            return error
        }
    }
}

/// The progress line and the log lines share stderr without running into each other.
struct StandardErrorTests {
    static func capture(terminal: Bool) -> (StandardError, @Sendable () -> String) {
        let written = Mutex("")
        let output = StandardError(isTerminal: terminal) { text in written.withLock { $0 += text } }
        return (output, { written.withLock { $0 } })
    }

    @Test func aLogLineClearsTheProgressLineAndTheProgressLineComesBackBelowIt() {
        let (output, written) = Self.capture(terminal: true)
        let progress = ProgressLine(total: 4, unit: "studies", output: output)
        progress.update(1)
        output.writeLines("study scored\n")
        progress.update(2)
        progress.finish()
        let clear = StandardError.clearLine
        let one = ProgressLine.line(1, of: 4, unit: "studies"), two = ProgressLine.line(2, of: 4, unit: "studies")
        #expect(written() == clear + one + clear + "study scored\n" + one + clear + two + "\n")
    }

    @Test func withoutATerminalThereIsNoProgressLineAndLogLinesAreWrittenAsTheyCome() {
        let (output, written) = Self.capture(terminal: false)
        let progress = ProgressLine(total: 4, unit: "studies", output: output)
        progress.update(1)
        output.writeLines("study scored\n")
        progress.finish()
        #expect(written() == "study scored\n")
    }

    @Test func theLineNamesTheSlicesOfTheStudiesInProgress() {
        #expect(ProgressLine.line(1, of: 3, unit: "studies", detail: "120/3000 slices of the studies in progress")
                == "[##########....................] 1/3 studies, 120/3000 slices of the studies in progress")
    }
}
