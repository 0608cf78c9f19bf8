import ArgumentParser
import Logging

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Log options shared by every subcommand: logs go to stderr, one line per event.
struct LoggingOptions: ParsableArguments {
    @Option(help: "Lowest level logged to stderr: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    /// The only call to `LoggingSystem.bootstrap` (it may be called once per process).
    func bootstrap() {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
