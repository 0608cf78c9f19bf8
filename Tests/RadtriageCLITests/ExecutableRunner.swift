import Foundation

/// Runs the built `radtriage` executable, as a user or cron would, and captures what it prints.
struct ExecutableRunner {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The test bundle and the executable are built into the same products folder.
    static let executable: URL = {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [products, products.deletingLastPathComponent()].map { $0.appendingPathComponent("radtriage") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }()

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let sampleData = repositoryRoot.appendingPathComponent("SampleData")

    static func run(_ arguments: [String]) throws -> Output {
        try run(executable, arguments)
    }

    /// Any program, with `environment` replacing the inherited one when given.
    static func run(_ program: URL, _ arguments: [String], environment: [String: String]? = nil) throws -> Output {
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting, so a large output cannot fill a pipe and block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-cli-\(UUID().uuidString)")
    }
}

/// A `radtriage` process started in the background, for tests that signal or race it. Its output goes to
/// files, which the test can read while it runs.
final class BackgroundRun {
    let process = Process()
    private let stdoutURL: URL
    private let stderrURL: URL

    init(_ arguments: [String]) throws {
        let folder = ExecutableRunner.temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        stdoutURL = folder.appendingPathComponent("stdout")
        stderrURL = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = ExecutableRunner.executable
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: stdoutURL.deletingLastPathComponent())
    }

    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// Waits until stderr contains `text` (true), or the process ends or `seconds` pass first (false).
    func waitForStderr(containing text: String, seconds: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if stderr.contains(text) { return true }
            if !process.isRunning { return stderr.contains(text) }
            usleep(20_000)
        }
        return false
    }

    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the end; a process killed by a signal reports 128 + the signal, as a shell would.
    func wait() -> ExecutableRunner.Output {
        process.waitUntilExit()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return ExecutableRunner.Output(status: status, stdout: (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "", stderr: stderr)
    }
}
