import TriageCore

/// Builds `VolumeEvidence` from SUV slices given one at a time in order, keeping only the few slices
/// the SUVpeak sphere can reach: memory stays bounded whatever the slice count and the slice spacing.
public struct EvidenceAccumulator {
    public static let peakDiameterMm = 12.0
    public static let defaultHotThreshold = 2.5

    public let width: Int
    public let height: Int
    public let columnSpacingMm: Double
    public let rowSpacingMm: Double
    public let sliceSpacingMm: Double
    public let hotThreshold: Float

    /// Consecutive slices summed into one slab for SUVpeak. One, unless the slices are so thin that the
    /// 12 mm sphere would span more than `maxReachSlices` on each side (then the ring would grow with
    /// the slice density: 37 slices of 0.33 mm); slabs keep it within about 2·`maxReachSlices` + 1.
    public let slicesPerSlab: Int
    static let maxReachSlices = 4
    /// Slabs whose centre can lie within 6 mm of a voxel of a given slab, on each side.
    private let reach: Int
    /// The last 2·reach + 1 slabs (sums of their slices), by slab index modulo the ring size.
    private var ring: [[Float]]
    private var slicesSeen = 0
    private var hottest = HottestVoxel<Float>()
    /// The SUVpeak around the current maximum, once every slice it needs has been seen.
    private var peak: (mean: Double, count: Int)?
    private var hotVoxels = 0
    /// Coronal maximum-intensity projection: the brightest value down each column, one row per
    /// `mipSlicesPerRow` consecutive slices (the maximum over them), so that it stays within
    /// `maxMIPRows` rows and memory does not grow with the slice count.
    public private(set) var coronalMIP: [Float] = []
    public let mipSlicesPerRow: Int
    public static let maxMIPRows = 512
    private var focal: FocalUptakeFinder

    /// `expectedSlices`, when known, sets how many slices share a MIP row (one each without it).
    public init(width: Int, height: Int, columnSpacingMm: Double, rowSpacingMm: Double, sliceSpacingMm: Double,
                hotThreshold: Double = EvidenceAccumulator.defaultHotThreshold, expectedSlices: Int? = nil) {
        precondition(width > 0 && height > 0 && columnSpacingMm > 0 && rowSpacingMm > 0 && sliceSpacingMm > 0, "invalid geometry")
        self.width = width
        self.height = height
        self.columnSpacingMm = columnSpacingMm
        self.rowSpacingMm = rowSpacingMm
        self.sliceSpacingMm = sliceSpacingMm
        self.hotThreshold = Float(hotThreshold)
        let sliceReach = Int((Self.peakDiameterMm / 2 / sliceSpacingMm).rounded(.down))
        slicesPerSlab = sliceReach <= Self.maxReachSlices ? 1 : (sliceReach + Self.maxReachSlices - 1) / Self.maxReachSlices
        // A voxel lies up to (f − 1)/2 slices from its slab's centre, so the sphere reaches that much further.
        let halfSlab = Double(slicesPerSlab - 1) / 2 * sliceSpacingMm
        reach = Int(((Self.peakDiameterMm / 2 + halfSlab) / (Double(slicesPerSlab) * sliceSpacingMm)).rounded(.down))
        mipSlicesPerRow = max(1, ((expectedSlices ?? 1) + Self.maxMIPRows - 1) / Self.maxMIPRows)
        ring = Array(repeating: [], count: 2 * reach + 1)
        focal = FocalUptakeFinder(width: width, height: height, columnSpacingMm: columnSpacingMm, rowSpacingMm: rowSpacingMm,
                                  sliceSpacingMm: sliceSpacingMm)
    }

    /// Adds the next slice's SUV values (width × height, row-major), copied: `add(handingOver:)` without
    /// the caller's buffer to give.
    public mutating func add(_ suv: UnsafeBufferPointer<Float>) {
        var copy = Array(suv)
        add(handingOver: &copy)
    }

    /// Adds the next slice (width × height, row-major). A slice that starts a slab is not copied into the
    /// ring: the ring keeps `suv`'s storage, and `suv` comes back holding the buffer that left the ring, of
    /// the same size, with stale values for the caller to overwrite with the next slice.
    public mutating func add(handingOver suv: inout [Float]) {
        let raised = suv.withUnsafeBufferPointer { summarise($0) }
        let slot = (slicesSeen / slicesPerSlab) % ring.count
        if slicesSeen % slicesPerSlab == 0 {
            swap(&ring[slot], &suv)
            if suv.count != width * height { suv = [Float](repeating: 0, count: width * height) }
        } else {
            suv.withUnsafeBufferPointer { suv in
                ring[slot].withUnsafeMutableBufferPointer { sums in
                    for i in 0..<sums.count { sums[i] += suv[i] }
                }
            }
        }
        finishSlice(raised: raised)
    }

    /// One pass over the slice: its maximum, its hot voxels, its row of the coronal MIP, and the focal
    /// uptake finder's look at it. True when it holds a new maximum.
    private mutating func summarise(_ suv: UnsafeBufferPointer<Float>) -> Bool {
        precondition(suv.count == width * height, "slice size differs from the series'")
        let index = slicesSeen
        var raised = false
        var hot = 0
        if index % mipSlicesPerRow == 0 { coronalMIP.append(contentsOf: repeatElement(-.infinity, count: width)) }
        let mipStart = coronalMIP.count - width
        coronalMIP.withUnsafeMutableBufferPointer { mip in
            let mipRow = mip.baseAddress! + mipStart
            for row in 0..<height {
                let values = suv.baseAddress! + row * width
                let summary = Self.scanRow(values, width: width, threshold: hotThreshold, mip: mipRow)
                hot += summary.hot
                // The first pixel holding a new maximum, found again only in the rare row that has one.
                if summary.maximum > hottest.value {
                    hottest.offer(row: values, columns: 0..<width, row: row, slice: index)
                    raised = true
                }
            }
        }
        hotVoxels += hot
        focal.add(suv)
        return raised
    }

    private mutating func finishSlice(raised: Bool) {
        let slab = slicesSeen / slicesPerSlab
        slicesSeen += 1
        if raised { peak = nil }
        // The sphere around the maximum is complete once the slab `reach` past its slab is complete.
        if peak == nil, let maximum, slicesSeen % slicesPerSlab == 0, slab == maximum.voxel.slice / slicesPerSlab + reach {
            peak = sphereMean(around: maximum.voxel)
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

    /// The hottest voxel so far, nil before any slice; in a volume of only NaN and −∞, the first voxel
    /// at −∞ (so that the study fails on a value that is not finite instead of having no evidence).
    private var maximum: (value: Float, voxel: VoxelIndex)? {
        guard slicesSeen > 0 else { return nil }
        return (hottest.value, hottest.voxel ?? VoxelIndex(column: 0, row: 0, slice: 0))
    }

    /// The evidence so far; nil before any slice.
    public func result() -> VolumeEvidence? {
        guard let maximum else { return nil }
        let peak = peak ?? sphereMean(around: maximum.voxel)
        let voxel = maximum.voxel
        return VolumeEvidence(
            suvMax: Double(maximum.value),
            suvMaxPositionMm: PositionMm(centreOf: voxel, columnMm: columnSpacingMm, rowMm: rowSpacingMm, sliceMm: sliceSpacingMm),
            suvMaxVoxel: voxel, suvPeak: peak.mean, suvPeakVoxelCount: peak.count,
            hotVolumeMl: Double(hotVoxels) * columnSpacingMm * rowSpacingMm * sliceSpacingMm / 1000,
            hotThresholdSUV: Double(hotThreshold), focalUptake: focal.result())
    }

    /// Mean over voxels whose centres lie within 6 mm of the maximum's centre, in the slabs still held
    /// (a slab's voxel is the mean of its slices, centred between them; with one slice per slab this is
    /// the voxel itself).
    private func sphereMean(around centre: VoxelIndex) -> (mean: Double, count: Int) {
        let radius = Self.peakDiameterMm / 2
        let (cx, cy) = (centre.column, centre.row)
        let dxMax = Int((radius / columnSpacingMm).rounded(.down)), dyMax = Int((radius / rowSpacingMm).rounded(.down))
        var sum = 0.0
        var count = 0
        let centreSlab = centre.slice / slicesPerSlab, lastSlab = (slicesSeen - 1) / slicesPerSlab
        for slab in max(centreSlab - reach, 0)...min(centreSlab + reach, lastSlab) {
            let values = ring[slab % ring.count]
            let slices = min(slicesPerSlab, slicesSeen - slab * slicesPerSlab)
            let dz = (Double(slab * slicesPerSlab - centre.slice) + Double(slices - 1) / 2) * sliceSpacingMm
            for y in max(cy - dyMax, 0)...min(cy + dyMax, height - 1) {
                let dy = Double(y - cy) * rowSpacingMm
                for x in max(cx - dxMax, 0)...min(cx + dxMax, width - 1) {
                    let dx = Double(x - cx) * columnSpacingMm
                    if dx * dx + dy * dy + dz * dz <= radius * radius {
                        sum += Double(values[y * width + x]) / Double(slices)
                        count += 1
                    }
                }
            }
        }
        return (sum / Double(max(count, 1)), count)
    }
}
