/// Stacks each slice with its neighbours along the body axis, as the model's input channels (2.5-D):
/// channel c of centre slice i is the series at i + offsetsMm[c] / spacing, linearly interpolated
/// between the two nearest slices and clamped to the first and last slice.
///
/// Slices arrive one at a time, already on the model grid and normalised; a centre can be stacked as
/// soon as the furthest slice it reaches has arrived. Only the slices still reachable are kept, in a
/// ring, so memory depends on the offsets and the spacing, not on the slice count.
public struct SliceContext {
    /// Offsets of the channels along the body axis in slices (offsetsMm / spacing), capped at
    /// `maxReachSlices` either way.
    public let offsetsSlices: [Double]
    /// Values in one model-grid slice.
    public let planeCount: Int
    public let sliceCount: Int
    /// Slices a centre needs after (before) itself.
    public let lookahead: Int
    public let lookbehind: Int
    /// Offsets beyond this many slices are cut to it, so that very thin slices cannot make the ring huge.
    public static let maxReachSlices = 64

    private var ring: [Float]
    private let ringSlices: Int
    public private(set) var received = 0
    public private(set) var stacked = 0

    public init(offsetsMm: [Double], sliceSpacingMm: Double, planeCount: Int, sliceCount: Int) {
        precondition(!offsetsMm.isEmpty && sliceSpacingMm > 0 && planeCount > 0 && sliceCount > 0, "invalid slice context")
        let reach = Double(Self.maxReachSlices)
        offsetsSlices = offsetsMm.map { min(max($0 / sliceSpacingMm, -reach), reach) }
        self.planeCount = planeCount
        self.sliceCount = sliceCount
        lookahead = max(Int((offsetsSlices.max() ?? 0).rounded(.up)), 0)
        lookbehind = max(Int((-(offsetsSlices.min() ?? 0)).rounded(.up)), 0)
        ringSlices = lookahead + lookbehind + 1
        ring = [Float](repeating: 0, count: ringSlices * planeCount)
    }

    public var channels: Int { offsetsSlices.count }

    /// Where the next slice's model-grid values go; `commit()` once written.
    public mutating func nextSlice<R>(_ write: (UnsafeMutableBufferPointer<Float>) -> R) -> R {
        precondition(received < sliceCount, "more slices than the series has")
        let start = (received % ringSlices) * planeCount
        return ring.withUnsafeMutableBufferPointer { all in
            write(UnsafeMutableBufferPointer(rebasing: all[start..<(start + planeCount)]))
        }
    }

    public mutating func commit() { received += 1 }

    /// The next centre whose every channel can be computed from the slices received so far (all
    /// remaining ones once the last slice is in), or nil.
    public var nextReadyCentre: Int? {
        guard stacked < sliceCount else { return nil }
        let needed = min(stacked + lookahead, sliceCount - 1)
        return received > needed ? stacked : nil
    }

    /// Writes the channels of the next ready centre into `destination` ([channels][plane]) and moves on.
    public mutating func stackNext(into destination: UnsafeMutableBufferPointer<Float>) {
        guard let centre = nextReadyCentre else { preconditionFailure("no centre is ready") }
        precondition(destination.count >= channels * planeCount, "destination too small")
        let last = sliceCount - 1
        ring.withUnsafeBufferPointer { ring in
            for (channel, offset) in offsetsSlices.enumerated() {
                let position = min(max(Double(centre) + offset, 0), Double(last))
                let low = Int(position.rounded(.down)), high = min(low + 1, last)
                let weight = Float(position - Double(low))
                let a = ring.baseAddress! + (low % ringSlices) * planeCount
                let b = ring.baseAddress! + (high % ringSlices) * planeCount
                let out = destination.baseAddress! + channel * planeCount
                if weight == 0 {
                    out.update(from: a, count: planeCount)
                } else {
                    for i in 0..<planeCount { out[i] = a[i] + (b[i] - a[i]) * weight }
                }
            }
        }
        stacked += 1
    }
}
