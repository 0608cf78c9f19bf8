/// How a radtriage command ends: the one table of exit codes. `radtriage --help`, each command's help
/// and the README's table are written from (and tested against) `table`, and a run records its code in
/// the state. The numbers follow BSD sysexits.h where one fits, and the shell's 128 + signal for a run
/// stopped by a signal, so that operators recognise them; cron mails any non-zero exit.
public enum ExitStatus: Sendable, Hashable {
    case success
    /// The command finished, but some input was unusable (a study failed, a slice was broken).
    case inputUnusable
    /// Wrong arguments or options (ArgumentParser's own code for validation errors).
    case usage
    /// `merge`: the shard results do not make one complete run.
    case shardsRefused
    /// An output (worklist, state) could not be written.
    case cannotWriteOutput
    /// The state database is not radtriage's, is damaged, or is from a newer version.
    case stateUnusable
    /// Another run holds the output folder's lock.
    case anotherRunActive
    /// The configuration file or the model is invalid.
    case configuration
    /// SIGINT or SIGTERM stopped the run after the studies in progress were saved.
    case stopped(signal: Int32)

    public var code: Int32 {
        switch self {
        case .success: 0
        case .inputUnusable: 1
        case .usage: 64
        case .shardsRefused: 65
        case .cannotWriteOutput: 73
        case .stateUnusable: 74
        case .anotherRunActive: 75
        case .configuration: 78
        case .stopped(let signal): 128 + signal
        }
    }

    /// One row of the documented table: the code (or codes) and what it means.
    public struct Row: Sendable, Equatable {
        public let codes: String
        public let meaning: String

        public init(codes: String, meaning: String) {
            self.codes = codes
            self.meaning = meaning
        }
    }

    /// The statuses in the order they are documented (the signal row stands for both signals).
    public static let documented: [ExitStatus] = [
        .success, .inputUnusable, .usage, .shardsRefused, .cannotWriteOutput, .stateUnusable, .anotherRunActive, .configuration,
        .stopped(signal: 2),
    ]

    public var row: Row {
        switch self {
        case .success: Row(codes: "0", meaning: "success: all input usable")
        case .inputUnusable:
            Row(codes: "1", meaning: "finished, but some input was unusable (run: a study failed in this run; it is on the worklist with its reason)")
        case .usage: Row(codes: "64", meaning: "usage error: wrong arguments or options (run: also --shard contradicting the scheduler's environment)")
        case .shardsRefused:
            Row(codes: "65", meaning: "merge: the shard results do not make one complete run (a shard missing or given twice, different N, "
                + "version, model, configuration or studies, a damaged file); nothing was written")
        case .cannotWriteOutput:
            Row(codes: "73", meaning: "an output (worklist or run state) could not be written: disk full, read-only, no permission; the previous worklists stay")
        case .stateUnusable:
            Row(codes: "74", meaning: "the run state file (radtriage-state.sqlite) is damaged, another program's, or from a newer radtriage; left untouched")
        case .anotherRunActive:
            Row(codes: "75", meaning: "another run is active on the same output folder (it holds .radtriage.lock there; cron: try again next time)")
        case .configuration: Row(codes: "78", meaning: "invalid configuration file or model")
        case .stopped:
            Row(codes: "130, 143", meaning: "stopped by SIGINT (130) or SIGTERM (143) after saving the studies in progress; the next run does the rest")
        }
    }

    public static var table: [Row] { documented.map(\.row) }

    /// The table as `radtriage --help` prints it.
    public static var helpText: String { summary(documented) }

    /// The rows of the codes one command can end with, for its own help.
    public static func summary(_ statuses: [ExitStatus]) -> String {
        "Exit codes:\n" + statuses.map { status in "  " + status.row.codes.padding(toLength: 3) + " " + status.row.meaning }.joined(separator: "\n")
    }
}

extension String {
    fileprivate func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
