import Dispatch
import Synchronization

/// The one way radtriage shares items out among threads: `workers` threads each take the next index
/// under a mutex until none is left, so that a slow item (a large study, a damaged file) holds up only
/// its own thread, and each thread keeps its own buffers (`local`) from item to item.
public enum WorkQueue {
    /// Calls `body` once for each index of `0..<count` (in no fixed order) on up to `workers` threads.
    /// `body` returning false, or throwing, stops the handing out of indices; the indices not handed out
    /// are simply not processed, and the first error is thrown once every thread has finished its item.
    public static func perform<Local, Failure: Error>(
        count: Int, workers: Int, local makeLocal: @Sendable () -> Local,
        _ body: @Sendable (_ index: Int, _ local: inout Local) throws(Failure) -> Bool
    ) throws(Failure) {
        guard count > 0 else { return }
        let queue = Mutex((next: 0, stopped: false, failure: Failure?.none))
        DispatchQueue.concurrentPerform(iterations: max(1, min(workers, count))) { _ in
            var local = makeLocal()
            while let index = queue.withLock({ state -> Int? in
                guard !state.stopped, state.next < count else { return nil }
                defer { state.next += 1 }
                return state.next
            }) {
                do throws(Failure) {
                    guard try body(index, &local) else {
                        queue.withLock { $0.stopped = true }
                        return
                    }
                } catch {
                    queue.withLock { state in
                        state.stopped = true
                        if state.failure == nil { state.failure = error }
                    }
                    return
                }
            }
        }
        if let failure = queue.withLock({ $0.failure }) { throw failure }
    }

    /// `perform` without per-thread state.
    public static func perform<Failure: Error>(
        count: Int, workers: Int, _ body: @Sendable (_ index: Int) throws(Failure) -> Bool
    ) throws(Failure) {
        try perform(count: count, workers: workers, local: {}) { (index, _: inout Void) throws(Failure) in try body(index) }
    }

    /// `transform` of every index, in index order whatever the number of threads.
    public static func map<Value: Sendable, Local, Failure: Error>(
        count: Int, workers: Int, local: @Sendable @escaping () -> Local, _ transform: @Sendable @escaping (_ index: Int, _ local: inout Local) throws(Failure) -> Value
    ) throws(Failure) -> [Value] {
        let results = Mutex([Value?](repeating: nil, count: count))
        try perform(count: count, workers: workers, local: local) { (index, local: inout Local) throws(Failure) in
            let value = try transform(index, &local)
            results.withLock { $0[index] = value }
            return true
        }
        return results.withLock { $0.compactMap { $0 } }
    }
}
