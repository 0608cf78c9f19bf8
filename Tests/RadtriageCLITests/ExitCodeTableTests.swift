import ArgumentParser
import Foundation
import Testing
import TriageCore
@testable import TriagePipeline
import RunState
@testable import radtriage

/// The exit codes are one table (`ExitStatus`): the help texts and the README say what it says.
struct ExitCodeTableTests {
    static let documentedCodes: Set<String> = Set(ExitStatus.table.flatMap { $0.codes.components(separatedBy: ", ") })

    @Test func theTopLevelHelpListsEveryRowOfTheTable() {
        let help = TriageCommand.helpMessage()
        for row in ExitStatus.table {
            // ArgumentParser may wrap a long line: compare with the white space collapsed.
            #expect(Self.collapsed(help).contains(Self.collapsed("\(row.codes) \(row.meaning)")), "\(row.codes)")
        }
    }

    @Test func theReadmeTableIsTheTable() throws {
        let readme = try String(contentsOf: ExecutableRunner.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "### Exit codes\n").dropFirst().first)
        let rows = section.trimmingCharacters(in: .newlines).components(separatedBy: "\n\n").first { $0.hasPrefix("| code |") } ?? ""
        let parsed = rows.split(separator: "\n").dropFirst(2).map { line in
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            return ExitStatus.Row(codes: cells[0], meaning: cells[1])
        }
        #expect(parsed == ExitStatus.table)
    }

    /// Other README tables of exit codes (the scheduler's view of a sharded run) may only name codes of the table.
    @Test func everyCodeTheReadmeNamesIsInTheTable() throws {
        let readme = try String(contentsOf: ExecutableRunner.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        var inCodeTable = false
        var named = 0
        for line in readme.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("|") else { inCodeTable = false; continue }
            let first = line.split(separator: "|").first?.trimmingCharacters(in: .whitespaces) ?? ""
            if first.lowercased().hasPrefix("code") || first.lowercased().hasPrefix("exit") { inCodeTable = true; continue }
            guard inCodeTable, first.first?.isNumber == true else { continue }
            for code in first.components(separatedBy: ", ") {
                named += 1
                #expect(Self.documentedCodes.contains(code), "\(line)")
            }
        }
        #expect(named > ExitStatus.table.count, "the README's exit-code tables were not found")
    }

    @Test func eachCommandsHelpNamesOnlyCodesOfTheTable() {
        for help in [Run.helpMessage(), Merge.helpMessage()] {
            // What follows "Exit codes:" is rows of the table, each whole, and nothing else.
            var rest = Self.collapsed(help.components(separatedBy: "Exit codes:").dropFirst().first ?? "")
                .components(separatedBy: " USAGE:").first ?? ""
            var rows = 0
            while let row = ExitStatus.table.first(where: { rest.hasPrefix(Self.collapsed("\($0.codes) \($0.meaning)")) }) {
                rest = String(rest.dropFirst(Self.collapsed("\(row.codes) \(row.meaning)").count)).trimmingCharacters(in: .whitespaces)
                rows += 1
            }
            #expect(rows >= 5 && rest.isEmpty, "not a row of the table: \(rest.prefix(120))")
        }
    }

    @Test func errorsMapToTheirStatus() {
        #expect(ExitStatus(for: RunLock.Busy(path: "/out/.radtriage.lock")).code == 75)
        #expect(ExitStatus(for: TriageRun.Stopped(signal: SIGTERM, scored: 1, remaining: 2)).code == 143)
        #expect(ExitStatus(for: StateError(.unusable, path: "s", reason: "r")).code == 74)
        #expect(ExitStatus(for: StateError(.write, path: "s", reason: "r")).code == 73)
        #expect(ExitStatus(for: TriageRun.RunError(.studies, file: "/x", what: "not a readable directory")).code == 64)
        #expect(ExitStatus(for: TriageRun.RunError(.output, file: "/x", what: "cannot create")).code == 73)
        #expect(ExitStatus(for: ModelLocation.NotFound(searched: [])).code == 78)
        #expect(ExitStatus(for: CocoaError(.fileWriteOutOfSpace)).code == 73)
    }

    private static func collapsed(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
