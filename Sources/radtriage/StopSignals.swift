import Glibc
import TriageCore
import TriagePipeline

/// The first SIGTERM or SIGINT asks a run to stop after the studies in progress; the handler passes it
/// to the watchdog (async-signal-safe) and restores the default action, so a second signal ends the
/// process at once (which the run state survives, like any kill). The watchdog ends a run whose
/// workers are still busy after the grace period, recording it as stopped first.
enum StopSignals {
    static let watchdog = StopWatchdog(graceSeconds: 3)

    static func install() {
        _ = watchdog
        signal(SIGALRM) { _ in
            // The watchdog's backstop when recording the stop hangs: only async-signal-safe calls here.
            _exit(ExitStatus.stopped(signal: StopSignals.watchdog.pending ?? SIGTERM).code)
        }
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber) { signalNumber in
                StopSignals.watchdog.signalArrived(signalNumber)
                signal(signalNumber, SIG_DFL)
            }
        }
    }

    /// The signal that asked to stop, if one arrived.
    static var pending: Int32? { watchdog.pending }
}
