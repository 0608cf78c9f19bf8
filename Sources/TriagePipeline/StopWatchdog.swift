import Foundation
import Glibc
import Synchronization
import TriageCore

/// Ends the process when a stop request's grace period runs out, after recording the stopped run.
///
/// The first SIGTERM or SIGINT asks the run to stop after the studies in progress; a worker stuck in
/// one of them (a hung file system, a huge study) must not keep the process alive. A signal handler may
/// only make async-signal-safe calls, so it cannot write the state: it calls `signalArrived`, which
/// stores the signal and posts a POSIX semaphore (both async-signal-safe). A thread of the watchdog's own
/// waits on that semaphore, lets the grace period pass, runs `beforeExit` (the run records itself as
/// stopped there, on its own database connection) and ends the process with 128 + the signal.
public final class StopWatchdog: Sendable {
    /// Seconds the studies in progress get to finish after the first signal.
    public let graceSeconds: Double
    /// How long `beforeExit` may take before SIGALRM ends the process anyway (a hung disk must not hang
    /// the exit); 0 sets no alarm.
    public let recordingSeconds: UInt32
    private let received = Atomic<Int32>(0)
    private let semaphore: Semaphore
    private let beforeExit = Mutex<@Sendable (_ signal: Int32) -> Void>({ _ in })
    private let exit: @Sendable (_ status: Int32) -> Void

    /// `exit` ends the process; tests pass a closure that records the status instead.
    public init(graceSeconds: Double, recordingSeconds: UInt32 = 2, exit: @escaping @Sendable (_ status: Int32) -> Void = { _exit($0) }) {
        self.graceSeconds = graceSeconds
        self.recordingSeconds = recordingSeconds
        self.exit = exit
        semaphore = Semaphore()
        let thread = Thread { [self] in self.watch() }
        thread.start()
    }

    /// Async-signal-safe: the only call a signal handler makes. Later signals change nothing.
    public func signalArrived(_ signal: Int32) {
        if received.compareExchange(expected: 0, desired: signal, ordering: .relaxed).exchanged {
            semaphore.post()
        }
    }

    /// The signal that asked to stop, if one arrived.
    public var pending: Int32? {
        let value = received.load(ordering: .relaxed)
        return value == 0 ? nil : value
    }

    /// What to do before a forced exit (record the stopped run). Replaces what was set before.
    public func setBeforeExit(_ action: @escaping @Sendable (_ signal: Int32) -> Void) {
        beforeExit.withLock { $0 = action }
    }

    private func watch() {
        semaphore.wait()
        let signal = received.load(ordering: .relaxed)
        Self.sleep(seconds: graceSeconds)
        // The backstop if recording hangs: SIGALRM ends the process (the caller's handler, or the default).
        alarm(recordingSeconds)
        beforeExit.withLock { $0 }(signal)
        alarm(0)
        exit(ExitStatus.stopped(signal: signal).code)
    }

    /// Sleeps the whole interval: nanosleep returns early when a signal arrives.
    private static func sleep(seconds: Double) {
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
        var remaining = timespec()
        _ = try? SystemCall.retrying("nanosleep") {
            defer { request = remaining }
            return nanosleep(&request, &remaining)
        }
    }

    /// A POSIX semaphore: `sem_post` is async-signal-safe, which no Swift or Dispatch primitive promises.
    private final class Semaphore: @unchecked Sendable {
        private let handle: UnsafeMutablePointer<sem_t>

        init() {
            handle = .allocate(capacity: 1)
            sem_init(handle, 0, 0)
        }

        deinit {
            sem_destroy(handle)
            handle.deallocate()
        }

        func post() { sem_post(handle) }

        func wait() {
            _ = try? SystemCall.retrying("sem_wait") { sem_wait(handle) }
        }
    }
}
