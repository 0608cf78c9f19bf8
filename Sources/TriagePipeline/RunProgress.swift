import Synchronization

/// How far a run is: the studies finished of all it found, and the slices done of the studies being
/// scored now, so that a run of one large study still shows it moving.
public struct RunProgress: Sendable, Equatable {
    public var studiesDone: Int
    public var studies: Int
    public var slicesDone: Int
    /// The slices of the studies being scored now (0 when none is).
    public var slices: Int

    public init(studiesDone: Int, studies: Int, slicesDone: Int = 0, slices: Int = 0) {
        self.studiesDone = studiesDone
        self.studies = studies
        self.slicesDone = slicesDone
        self.slices = slices
    }
}

/// Collects the workers' reports (a slice done, a study finished) and hands the caller one
/// `RunProgress` at a time, in order.
final class ProgressTracker: Sendable {
    private let state: Mutex<(done: Int, inFlight: [Int: (done: Int, total: Int)])>
    private let studies: Int
    private let report: @Sendable (RunProgress) -> Void

    init(studies: Int, report: @escaping @Sendable (RunProgress) -> Void) {
        self.studies = studies
        self.report = report
        state = Mutex((0, [:]))
    }

    /// Study `index` (of the run's list) has `done` of its `total` slices behind it.
    func slices(_ done: Int, of total: Int, study index: Int) {
        state.withLock { state in
            state.inFlight[index] = (done, total)
            report(progress(state))
        }
    }

    func finished(study index: Int) {
        state.withLock { state in
            state.inFlight[index] = nil
            state.done += 1
            report(progress(state))
        }
    }

    private func progress(_ state: (done: Int, inFlight: [Int: (done: Int, total: Int)])) -> RunProgress {
        let inFlight = state.inFlight.values
        return RunProgress(studiesDone: state.done, studies: studies, slicesDone: inFlight.reduce(0) { $0 + $1.done },
                           slices: inFlight.reduce(0) { $0 + $1.total })
    }
}
