import Glibc
import Synchronization

/// The first SIGTERM or SIGINT asks a run to stop after the studies in progress; it is recorded here
/// by an async-signal-safe atomic store. The handler then restores the default action, so a second
/// signal ends the process at once (which the run state survives, like any kill).
enum StopSignals {
    private static let received = Atomic<Int32>(0)

    static func install() {
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber) { signalNumber in
                StopSignals.received.store(signalNumber, ordering: .relaxed)
                signal(signalNumber, SIG_DFL)
            }
        }
    }

    /// The signal that asked to stop, if one arrived.
    static var pending: Int32? {
        let value = received.load(ordering: .relaxed)
        return value == 0 ? nil : value
    }
}
