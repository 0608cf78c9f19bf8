/// A voxel of a series: zero-based column (x), row (y) and slice (z, in reading order).
///
/// Encoded as the array `[column, row, slice]`, the same x, y, z order as `PositionMm`.
public struct VoxelIndex: Sendable, Hashable, Codable, CustomStringConvertible {
    public var column: Int
    public var row: Int
    public var slice: Int

    public init(column: Int, row: Int, slice: Int) {
        self.column = column
        self.row = row
        self.slice = slice
    }

    public var description: String { "column \(column), row \(row), slice \(slice)" }

    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        self.init(column: try container.decode(Int.self), row: try container.decode(Int.self), slice: try container.decode(Int.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(column)
        try container.encode(row)
        try container.encode(slice)
    }
}

/// A point in a series' image frame in millimetres: x along columns, y along rows, z along slices,
/// from the centre of the first voxel of the first slice.
///
/// Encoded as the array `[x, y, z]`.
public struct PositionMm: Sendable, Hashable, Codable {
    public var x: Double
    public var y: Double
    public var z: Double

    public init(x: Double, y: Double, z: Double) {
        self.x = x
        self.y = y
        self.z = z
    }

    /// The centre of `voxel`, given the spacing between adjacent columns, rows and slices.
    public init(centreOf voxel: VoxelIndex, columnMm: Double, rowMm: Double, sliceMm: Double) {
        self.init(x: Double(voxel.column) * columnMm, y: Double(voxel.row) * rowMm, z: Double(voxel.slice) * sliceMm)
    }

    public var components: [Double] { [x, y, z] }

    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        self.init(x: try container.decode(Double.self), y: try container.decode(Double.self), z: try container.decode(Double.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(x)
        try container.encode(y)
        try container.encode(z)
    }
}
