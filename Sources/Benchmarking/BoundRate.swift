import Dispatch
import SliceCodec

/// A one-thread bound's result: slices processed, and the seconds of the fastest round.
public struct BoundRate: Codable, Sendable {
    public var slices: Int
    public var seconds: Double
    public var slicesPerSecond: Double { Double(slices) / max(seconds, 1e-9) }

    /// Runs `round` `rounds` times and keeps the fastest (the page cache is warm for all but the first,
    /// and a shared machine slows some rounds).
    static func fastest(of rounds: Int, slices: Int, _ round: () throws -> Void) rethrows -> BoundRate {
        var best = Double.infinity
        for _ in 0..<max(rounds, 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            try round()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return BoundRate(slices: slices, seconds: best)
    }

    /// A slice file into `bytes`, as radtriage reads it; a file that cannot be read fails the measurement,
    /// named (`…/0001.png: cannot read the file: No such file or directory`).
    static func read(_ path: String, into bytes: inout [UInt8]) throws(BenchError) {
        do {
            try FileBytes.read(path: path, into: &bytes)
        } catch {
            throw BenchError(error)
        }
    }
}
