import Foundation
import Glibc
import TriageCore

/// One `radtriage run` over the bench's studies, as a child process: the real command end to end, with
/// its own peak resident memory (from `wait4`), timed from spawn to exit.
public struct PipelineRun: Codable, Sendable {
    public var jobs: Int
    public var slices: Int
    public var studies: Int
    public var seconds: Double
    public var peakRSSMB: Double
    /// Per slice, summed over workers (so with 2 jobs they add up to about twice the wall time per slice).
    public var decodeMsPerSlice: Double
    public var quantifyMsPerSlice: Double
    public var modelMsPerSlice: Double
    /// With several rounds (`radtriage bench --rounds`): every round's seconds at this job count. The run
    /// reported is the fastest, the one least disturbed by the machine's other tenants.
    public var roundSeconds: [Double] = []

    public var slicesPerSecond: Double { Double(slices) / max(seconds, 1e-9) }
    public var studiesPerMinute: Double { Double(studies) * 60 / max(seconds, 1e-9) }

    /// Runs `executable run --studies … --out <fresh folder> --jobs N` and reads its "run finished" log line.
    public static func measure(executable: String, studies: URL, model: String?, jobs: Int, scratch: URL) throws -> PipelineRun {
        let out = scratch.appendingPathComponent("run-\(jobs)-\(UUID().uuidString.prefix(8))")
        let log = scratch.appendingPathComponent("run-\(jobs).log")
        defer { try? FileManager.default.removeItem(at: out) }
        var arguments = [executable, "run", "--studies", studies.path, "--out", out.path, "--jobs", "\(jobs)", "--log-format", "json"]
        if let model { arguments += ["--model", model] }
        let start = Date()
        let (status, usage) = try spawnAndWait(arguments, stderrPath: log.path)
        let seconds = Date().timeIntervalSince(start)
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard status == 0 || status == 1,
              let line = text.split(separator: "\n").last(where: { $0.contains("\"run finished\"") }),
              let event = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
        else { throw BenchError(file: nil, what: "radtriage run --jobs \(jobs) exited with \(status):\n\(text.suffix(2000))") }
        func number(_ key: String) -> Double { Double(event[key] ?? "") ?? 0 }
        return PipelineRun(
            jobs: jobs, slices: Int(number("slices")), studies: Int(number("studies")), seconds: seconds,
            peakRSSMB: Double(usage.ru_maxrss) / 1024, decodeMsPerSlice: number("decode_ms_per_slice"),
            quantifyMsPerSlice: number("quantify_ms_per_slice"), modelMsPerSlice: number("model_ms_per_slice"))
    }

    /// posix_spawn + wait4: Foundation's Process does not give the child's resource usage.
    private static func spawnAndWait(_ arguments: [String], stderrPath: String) throws -> (status: Int32, usage: rusage) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        var status: Int32 = 0
        var usage = rusage()
        do {
            try SystemCall.checking("posix_spawn", path: arguments[0]) { posix_spawn(&pid, arguments[0], &actions, nil, &argv, environ) }
            try SystemCall.retrying("wait4", path: arguments[0]) { wait4(pid, &status, 0, &usage) }
        } catch {
            throw BenchError(file: arguments[0], what: "\(error.call): \(error.what)")
        }
        // WIFEXITED / WEXITSTATUS, which Swift does not import as functions.
        let exited = status & 0x7f == 0
        return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), usage)
    }
}
