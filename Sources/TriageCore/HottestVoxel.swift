/// The hottest voxel of a volume whose values are offered in reading order (slice by slice, row by
/// row, column by column): the greatest value, and on a tie the first voxel that held it. NaN is never
/// the hottest, and neither is −∞: until a greater value is offered there is no voxel.
///
/// The inspector (per slice, from the stored extremes), the volume evidence and the focal regions all
/// find their hottest voxel through this one rule.
public struct HottestVoxel<Value: BinaryFloatingPoint & Sendable>: Sendable, Equatable {
    @usableFromInline var currentValue: Value = -.infinity
    @usableFromInline var currentVoxel: VoxelIndex?

    public init() {}

    /// The hottest value offered; −∞ while there is no voxel.
    @inlinable public var value: Value { currentValue }

    /// Where `value` is; nil before any value greater than −∞.
    @inlinable public var voxel: VoxelIndex? { currentVoxel }

    /// Offers one voxel; true when it is the new hottest (strictly greater, so an equal later voxel is not).
    @inlinable @discardableResult
    public mutating func offer(_ candidate: Value, column: Int, row: Int, slice: Int) -> Bool {
        guard candidate > currentValue else { return false }
        currentValue = candidate
        currentVoxel = VoxelIndex(column: column, row: row, slice: slice)
        return true
    }

    /// Offers `columns` of one row, `values[column]` being the voxel at that column; true when the row
    /// held a new hottest voxel.
    @inlinable @discardableResult
    public mutating func offer(row values: UnsafePointer<Value>, columns: Range<Int>, row: Int, slice: Int) -> Bool {
        var best: Int?
        var bestValue = currentValue
        for column in columns where values[column] > bestValue {
            bestValue = values[column]
            best = column
        }
        guard let best else { return false }
        currentValue = bestValue
        currentVoxel = VoxelIndex(column: best, row: row, slice: slice)
        return true
    }

    /// Keeps the hotter of the two, and this one on a tie.
    @inlinable
    public mutating func merge(_ other: HottestVoxel) {
        if other.currentValue > currentValue { self = other }
    }
}
