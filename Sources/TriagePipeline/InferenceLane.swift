import Dispatch
import Foundation
import Scoring

/// Runs an engine's batches on a thread of its own, in the order given, so that a study's next batch
/// is decoded and quantified while this one is inferred: one study keeps two cores busy. The engine's
/// input slots are split in two halves; the producer fills one while the lane reads the other.
///
/// All mutable state is guarded by `condition`; the engine is used by the lane's thread only, except for
/// writing input slots that no queued or running batch covers (`waitUntilFree`).
final class InferenceLane: @unchecked Sendable {
    private let engine: InferenceEngine
    private let condition = NSCondition()
    private var queued: [(firstSlot: Int, count: Int)] = []
    private var running: Int?
    private var logits: [Float] = []
    private var seconds = 0.0
    private var closed = false

    init(engine: InferenceEngine) {
        self.engine = engine
        let thread = Thread { [self] in work() }
        thread.name = "radtriage inference"
        thread.start()
    }

    /// Blocks until no queued or running batch starts at `firstSlot`, so its slots may be refilled.
    func waitUntilFree(firstSlot: Int) {
        condition.lock()
        while running == firstSlot || queued.contains(where: { $0.firstSlot == firstSlot }) { condition.wait() }
        condition.unlock()
    }

    func submit(firstSlot: Int, count: Int) {
        condition.lock()
        queued.append((firstSlot, count))
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for every submitted batch; returns their logits in submission order and the seconds spent
    /// inferring them, and starts afresh for the next study.
    func finish() -> (logits: [Float], seconds: Double) {
        condition.lock()
        defer { condition.unlock() }
        while !queued.isEmpty || running != nil { condition.wait() }
        let result = (logits: logits, seconds: seconds)
        (logits, seconds) = ([], 0)
        return result
    }

    /// Ends the thread once the queue is empty; the scorer calls it when it goes away.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    private func work() {
        condition.lock()
        while true {
            while queued.isEmpty && !closed { condition.wait() }
            if queued.isEmpty {
                condition.unlock()
                return
            }
            let batch = queued.removeFirst()
            running = batch.firstSlot
            condition.unlock()
            let start = DispatchTime.now().uptimeNanoseconds
            let output = engine.run(batch: batch.count, firstSlot: batch.firstSlot)
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            condition.lock()
            logits += output
            seconds += elapsed
            running = nil
            condition.broadcast()
        }
    }
}
