import ArgumentParser
import TriagePipeline

/// Exit codes, listed in the README and in `radtriage --help`. Cron mails any non-zero exit.
///
/// The numbers are `RunExitCode`'s, which the run also records in its state: BSD sysexits.h where one
/// fits, 128 + signal for a run stopped by a signal.
extension ExitCode {
    /// The command finished, but some input was unusable (a study failed, a slice was broken).
    static let someInputUnusable = ExitCode(RunExitCode.studiesFailed)
    /// Wrong arguments (ArgumentParser's own code for validation errors, EX_USAGE).
    static let usage = ExitCode(RunExitCode.usage)
    /// `merge`: a shard missing or given twice, shards that do not belong together, a damaged file (EX_DATAERR).
    static let shardsRefused = ExitCode(RunExitCode.shardsRefused)
    /// An output (worklist, state) could not be written (EX_CANTCREAT).
    static let cannotWriteOutput = ExitCode(RunExitCode.cannotWriteOutput)
    /// The state database is not radtriage's, is damaged, or is newer (EX_IOERR).
    static let stateUnusable = ExitCode(RunExitCode.stateUnusable)
    /// Another run holds the output directory's lock: try again later (EX_TEMPFAIL).
    static let anotherRunActive = ExitCode(RunExitCode.anotherRunActive)
    /// The configuration file or the model is invalid (EX_CONFIG).
    static let configuration = ExitCode(RunExitCode.configuration)
}

enum ExitCodeDocumentation {
    static let text = """
        Exit codes:
          0   success: all input usable
          1   finished, but some input was unusable (run: a study failed in this run; it is on the worklist with its reason)
          64  usage error: wrong arguments or options (run: also --shard disagreeing with the scheduler's environment)
          65  merge: the shard results do not make one complete run (a shard missing or twice, different N, version,
              model, configuration or studies, a damaged file); nothing was written
          73  an output (worklist or run state) could not be written: disk full, read-only, no permission
          74  the run state file (radtriage-state.sqlite) is damaged, another program's, or from a newer radtriage; left untouched
          75  another run is active on the same output folder (cron: try again next time)
          78  invalid configuration file or model
          130 stopped by SIGINT, 143 by SIGTERM: finished studies are saved, the next run does the rest
        """
}
