import ArgumentParser
import Foundation
import Triage
import TriageCore
import TriagePipeline

/// The configuration and the ranking time, read alike by `run` and `merge`.
enum RankingInputs {
    /// The configuration file (or the built-in one) and its digest.
    static func configuration(_ file: String?) throws -> (configuration: TriageConfiguration, digest: String) {
        let configuration = try file.map { file throws(ConfigurationError) in try ConfigurationLoader().load(file: file) } ?? .builtIn
        do {
            return (configuration, try ShardResult.configurationDigest(file: file))
        } catch {
            throw ConfigurationError(file: file ?? "", problems: [InputProblem(file: file ?? "", message: "cannot read the file: \(error.localizedDescription)")])
        }
    }

    /// `--now`, or the current time.
    static func instant(_ now: String?) throws -> Date {
        guard let now else { return Date() }
        guard let parsed = ISO8601DateFormatter().date(from: now) else {
            throw ValidationError("--now must be an ISO 8601 time such as 2026-11-23T08:00:00Z")
        }
        return parsed
    }
}
