import ArgumentParser
import Benchmarking
import Foundation
import Inspection
import RunState
import Scoring
import Triage
import TriageCore
import TriagePipeline

extension ExitStatus {
    /// The one mapping from the errors a command throws to how it exits. A command throws its error
    /// unhandled; `TriageCommand.main` prints it and exits with this status's code.
    init(for error: any Error) {
        switch error {
        case is RunLock.Busy: self = .anotherRunActive
        case let stopped as TriageRun.Stopped: self = .stopped(signal: stopped.signal)
        case let state as StateError: self = state.kind == .unusable ? .stateUnusable : .cannotWriteOutput
        case let run as TriageRun.RunError: self = run.kind == .output ? .cannotWriteOutput : .usage
        // Studies that cannot be measured are a usage error, like `run`'s; a failed measurement is input that turned out unusable.
        case let bench as BenchError: self = bench.kind == .input ? .usage : .inputUnusable
        case is ConfigurationError, is ModelLoadingError, is ModelLocation.NotFound: self = .configuration
        case is ShardMerge.Refusal: self = .shardsRefused
        case is StudyInspector.NotFound: self = .inputUnusable
        default: self = .cannotWriteOutput
        }
    }

    /// How the message starts: a run that stops on purpose (busy, stopped, refused) says so as radtriage;
    /// anything else is an error.
    var messagePrefix: String {
        switch self {
        case .anotherRunActive, .stopped, .shardsRefused: "radtriage"
        default: "Error"
        }
    }
}

extension ExitCode {
    init(_ status: ExitStatus) {
        self.init(status.code)
    }

    /// The command finished, but some input was unusable (a study failed, a slice was broken).
    static let someInputUnusable = ExitCode(.inputUnusable)
}

extension TriageCommand {
    /// ArgumentParser's entry point, except that an error of radtriage's (a `UserFacingError`) or of the
    /// file system that a command throws is printed here, once, and ends the process with its status from
    /// `ExitStatus(for:)`. ArgumentParser's own (a usage error, `--help`, an `ExitCode`) go to ArgumentParser.
    static func main() async {
        do {
            var command = try await asyncParseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch let error where error is any UserFacingError || error is CocoaError || error is POSIXError {
            let status = ExitStatus(for: error)
            let headline = (error as? any UserFacingError)?.headline.map { "\($0):\n" } ?? ""
            FileHandle.standardError.write(Data("\(status.messagePrefix): \(headline)\(error)\n".utf8))
            Foundation.exit(status.code)
        } catch {
            exit(withError: error)
        }
    }
}
