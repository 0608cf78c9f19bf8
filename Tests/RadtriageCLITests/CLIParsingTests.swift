import ArgumentParser
import Testing
@testable import radtriage

@Suite struct CLIParsingTests {
    @Test func rootCommandParses() throws {
        _ = try TriageCommand.parseAsRoot(["--help"])
    }
}
