/// The quantitative evidence a reader expects beside a model score: SUVmax and where it is, SUVpeak,
/// and the volume above a threshold (metabolic tumour volume, MTV).
public struct VolumeEvidence: Sendable, Codable, Equatable {
    public var suvMax: Double
    /// Centre of the hottest voxel in millimetres: x along columns, y along rows, z along slices, from
    /// the centre of the first voxel of the first slice.
    public var suvMaxPositionMm: [Double]
    /// Zero-based slice, column and row of the hottest voxel.
    public var suvMaxVoxel: [Int]
    /// Mean SUV within a sphere of 12 mm diameter (about 1 cm³) centred on the hottest voxel, over the
    /// voxels whose centres lie inside it, in millimetres (PERCIST; Wahl et al., J Nucl Med 2009).
    public var suvPeak: Double
    /// Voxels inside the SUVpeak sphere.
    public var suvPeakVoxelCount: Int
    /// Volume of voxels above `hotThresholdSUV`, in millilitres.
    public var hotVolumeMl: Double
    public var hotThresholdSUV: Double
}

/// Builds `VolumeEvidence` from SUV slices given one at a time in order, keeping only the few slices
/// the SUVpeak sphere can reach: memory stays bounded whatever the slice count.
public struct EvidenceAccumulator {
    public static let peakDiameterMm = 12.0
    public static let defaultHotThreshold = 2.5

    public let width: Int
    public let height: Int
    public let columnSpacingMm: Double
    public let rowSpacingMm: Double
    public let sliceSpacingMm: Double
    public let hotThreshold: Float

    /// Slices within the sphere's reach of a slice: ⌊6 mm / slice spacing⌋ on each side.
    private let reach: Int
    /// The last 2·reach + 1 slices, by slice index modulo the ring size.
    private var ring: [[Float]]
    private var slicesSeen = 0
    private var maximum: (value: Float, slice: Int, pixel: Int)?
    /// The SUVpeak around the current maximum, once every slice it needs has been seen.
    private var peak: (mean: Double, count: Int)?
    private var hotVoxels = 0
    /// Coronal maximum-intensity projection, one row per slice: the brightest value down each column.
    public private(set) var coronalMIP: [Float] = []

    public init(width: Int, height: Int, columnSpacingMm: Double, rowSpacingMm: Double, sliceSpacingMm: Double,
                hotThreshold: Double = EvidenceAccumulator.defaultHotThreshold) {
        precondition(width > 0 && height > 0 && columnSpacingMm > 0 && rowSpacingMm > 0 && sliceSpacingMm > 0, "invalid geometry")
        self.width = width
        self.height = height
        self.columnSpacingMm = columnSpacingMm
        self.rowSpacingMm = rowSpacingMm
        self.sliceSpacingMm = sliceSpacingMm
        self.hotThreshold = Float(hotThreshold)
        reach = Int((Self.peakDiameterMm / 2 / sliceSpacingMm).rounded(.down))
        ring = Array(repeating: [], count: 2 * reach + 1)
    }

    /// Adds the next slice's SUV values (width × height, row-major).
    public mutating func add(_ suv: UnsafeBufferPointer<Float>) {
        precondition(suv.count == width * height, "slice size differs from the series'")
        let index = slicesSeen
        // One pass over the slice: its maximum, its hot voxels, and its row of the coronal MIP.
        var best: Float = -.infinity
        var bestPixel = 0
        var hot = 0
        let mipStart = coronalMIP.count
        coronalMIP.append(contentsOf: repeatElement(-.infinity, count: width))
        coronalMIP.withUnsafeMutableBufferPointer { mip in
            let mipRow = mip.baseAddress! + mipStart
            for row in 0..<height {
                let values = suv.baseAddress! + row * width
                let summary = Self.scanRow(values, width: width, threshold: hotThreshold, mip: mipRow)
                hot += summary.hot
                // The first pixel holding a new maximum, found again only in the rare row that has one.
                if summary.maximum > best {
                    best = summary.maximum
                    bestPixel = row * width + (0..<width).first { values[$0] == summary.maximum }!
                }
            }
        }
        hotVoxels += hot
        let slot = index % ring.count
        ring[slot].removeAll(keepingCapacity: true)
        ring[slot].append(contentsOf: suv)
        slicesSeen += 1
        if maximum == nil || best > maximum!.value {
            maximum = (best, index, bestPixel)
            peak = nil
        }
        // The sphere around the maximum is complete once `reach` slices past it are in the ring.
        if peak == nil, let maximum, index == maximum.slice + reach {
            peak = sphereMean(around: maximum, lastSlice: index)
        }
    }

    /// One row: its maximum and hot-voxel count, and the MIP row raised to it; eight columns at a time.
    @inline(__always)
    static func scanRow(_ values: UnsafePointer<Float>, width: Int, threshold: Float, mip: UnsafeMutablePointer<Float>)
        -> (maximum: Float, hot: Int) {
        var maxima = SIMD8<Float>(repeating: -.infinity)
        var hotLanes = SIMD8<Int32>(repeating: 0)
        let limit = SIMD8<Float>(repeating: threshold)
        var x = 0
        while x + 8 <= width {
            let v = UnsafeRawPointer(values + x).loadUnaligned(as: SIMD8<Float>.self)
            maxima.replace(with: v, where: v .> maxima)
            hotLanes &-= unsafeBitCast(v .> limit, to: SIMD8<Int32>.self)  // a true lane is all ones: −1
            var m = UnsafeRawPointer(mip + x).loadUnaligned(as: SIMD8<Float>.self)
            m.replace(with: v, where: v .> m)
            UnsafeMutableRawPointer(mip + x).storeBytes(of: m, as: SIMD8<Float>.self)
            x += 8
        }
        var maximum = maxima.max()
        var hot = Int(hotLanes.wrappedSum())
        while x < width {
            let v = values[x]
            if v > maximum { maximum = v }
            if v > threshold { hot += 1 }
            if v > mip[x] { mip[x] = v }
            x += 1
        }
        return (maximum, hot)
    }

    /// The evidence so far; nil before any slice.
    public func result() -> VolumeEvidence? {
        guard let maximum else { return nil }
        let peak = peak ?? sphereMean(around: maximum, lastSlice: slicesSeen - 1)
        let column = maximum.pixel % width, row = maximum.pixel / width
        return VolumeEvidence(
            suvMax: Double(maximum.value),
            suvMaxPositionMm: [Double(column) * columnSpacingMm, Double(row) * rowSpacingMm, Double(maximum.slice) * sliceSpacingMm],
            suvMaxVoxel: [maximum.slice, column, row], suvPeak: peak.mean, suvPeakVoxelCount: peak.count,
            hotVolumeMl: Double(hotVoxels) * columnSpacingMm * rowSpacingMm * sliceSpacingMm / 1000,
            hotThresholdSUV: Double(hotThreshold))
    }

    /// Mean over voxels whose centres lie within 6 mm of the maximum's centre, in the slices still held.
    private func sphereMean(around centre: (value: Float, slice: Int, pixel: Int), lastSlice: Int) -> (mean: Double, count: Int) {
        let radius = Self.peakDiameterMm / 2
        let (cx, cy) = (centre.pixel % width, centre.pixel / width)
        let dxMax = Int((radius / columnSpacingMm).rounded(.down)), dyMax = Int((radius / rowSpacingMm).rounded(.down))
        var sum = 0.0
        var count = 0
        for slice in max(centre.slice - reach, 0)...min(centre.slice + reach, lastSlice) {
            let values = ring[slice % ring.count]
            let dz = Double(slice - centre.slice) * sliceSpacingMm
            for y in max(cy - dyMax, 0)...min(cy + dyMax, height - 1) {
                let dy = Double(y - cy) * rowSpacingMm
                for x in max(cx - dxMax, 0)...min(cx + dxMax, width - 1) {
                    let dx = Double(x - cx) * columnSpacingMm
                    if dx * dx + dy * dy + dz * dz <= radius * radius {
                        sum += Double(values[y * width + x])
                        count += 1
                    }
                }
            }
        }
        return (sum / Double(max(count, 1)), count)
    }
}
