import ArgumentParser

/// Exit codes, listed in the README and in `radtriage --help`. Cron mails any non-zero exit.
///
/// The numbers follow BSD sysexits.h where one fits, so that operators recognise them.
extension ExitCode {
    /// The command finished, but some input was unusable (a study failed, a slice was broken).
    static let someInputUnusable = ExitCode(1)
    /// Wrong arguments (ArgumentParser's own code for validation errors, EX_USAGE).
    static let usage = ExitCode(64)
    /// An output could not be written (EX_CANTCREAT).
    static let cannotWriteOutput = ExitCode(73)
    /// Another run holds the output directory's lock: try again later (EX_TEMPFAIL).
    static let anotherRunActive = ExitCode(75)
    /// The configuration file or the model is invalid (EX_CONFIG).
    static let configuration = ExitCode(78)
}

enum ExitCodeDocumentation {
    static let text = """
        Exit codes:
          0   success: all input usable
          1   finished, but some input was unusable (listed in the output with its reason)
          64  usage error: wrong arguments or options
          73  an output could not be written
          75  another run is active on the same output folder (cron: try again next time)
          78  invalid configuration file or model
        """
}
