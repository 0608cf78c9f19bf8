import Foundation
import Glibc
import Synchronization
import Testing
import TriagePipeline

/// The watchdog of a stop request: after the grace period it runs the recording action, then ends the
/// process with 128 + the first signal. Here "ending the process" is a closure that reports the status.
@Suite struct StopWatchdogTests {
    /// What a watchdog did, in order, and a semaphore that the exit posts.
    final class Observed: Sendable {
        let events = Mutex<[String]>([])
        let exited = DispatchSemaphore(value: 0)
    }

    static func watchdog(grace: Double, observed: Observed) -> StopWatchdog {
        // recordingSeconds 0: no SIGALRM backstop, which would end the test process.
        StopWatchdog(graceSeconds: grace, recordingSeconds: 0) { status in
            observed.events.withLock { $0.append("exit \(status)") }
            observed.exited.signal()
        }
    }

    @Test func afterTheGracePeriodTheStopIsRecordedThenTheProcessEndsWithTheFirstSignal() throws {
        let observed = Observed()
        let watchdog = Self.watchdog(grace: 0.2, observed: observed)
        watchdog.setBeforeExit { signal in observed.events.withLock { $0.append("record \(signal)") } }
        #expect(watchdog.pending == nil)
        let signalled = Date()
        watchdog.signalArrived(SIGTERM)
        watchdog.signalArrived(SIGINT)
        #expect(watchdog.pending == SIGTERM)
        #expect(observed.exited.wait(timeout: .now() + 30) == .success)
        #expect(Date().timeIntervalSince(signalled) >= 0.2, "the studies in progress get the whole grace period")
        #expect(observed.events.withLock { $0 } == ["record \(SIGTERM)", "exit 143"])
    }

    @Test func withoutASignalNothingHappens() {
        let observed = Observed()
        let watchdog = Self.watchdog(grace: 0, observed: observed)
        watchdog.setBeforeExit { _ in observed.events.withLock { $0.append("record") } }
        #expect(observed.exited.wait(timeout: .now() + 0.3) == .timedOut)
        #expect(watchdog.pending == nil)
        #expect(observed.events.withLock { $0 }.isEmpty)
    }

    @Test func sigintEndsWith130AndTheLatestRecordingActionRuns() throws {
        let observed = Observed()
        let watchdog = Self.watchdog(grace: 0, observed: observed)
        watchdog.setBeforeExit { _ in observed.events.withLock { $0.append("first run") } }
        watchdog.setBeforeExit { _ in observed.events.withLock { $0.append("second run") } }
        watchdog.signalArrived(SIGINT)
        #expect(observed.exited.wait(timeout: .now() + 30) == .success)
        #expect(observed.events.withLock { $0 } == ["second run", "exit 130"])
    }
}
