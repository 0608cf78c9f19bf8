import Glibc
import Synchronization

/// The first SIGTERM or SIGINT asks a run to stop after the studies in progress; it is recorded here
/// by an async-signal-safe atomic store. The handler then restores the default action, so a second
/// signal ends the process at once (which the run state survives, like any kill). It also arms a
/// watchdog: a worker stuck in a study (a slow or hung file system, a huge study) cannot keep the
/// process alive past `graceSeconds`, after which it exits with 128 + the signal as if stopped normally.
enum StopSignals {
    private static let received = Atomic<Int32>(0)
    /// Seconds the studies in progress get to finish after the first signal.
    static let graceSeconds: UInt32 = 3

    static func install() {
        signal(SIGALRM) { _ in
            // Only async-signal-safe calls here. Every study already saved is committed; SQLite rolls back
            // the one in flight, and the kernel releases the run lock.
            let stop = StopSignals.received.load(ordering: .relaxed)
            _exit(128 + (stop == 0 ? SIGTERM : stop))
        }
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber) { signalNumber in
                StopSignals.received.store(signalNumber, ordering: .relaxed)
                signal(signalNumber, SIG_DFL)
                alarm(StopSignals.graceSeconds)
            }
        }
    }

    /// The signal that asked to stop, if one arrived.
    static var pending: Int32? {
        let value = received.load(ordering: .relaxed)
        return value == 0 ? nil : value
    }
}
