import TriageCore

/// Finds focal uptake slice by slice, in one pass with bounded memory: regions are labelled as slices
/// arrive (runs of hot pixels, joined to the runs they touch in the row above and the slice before,
/// with a union-find), the SUVpeak spheres are evaluated once the slices they reach have arrived, and a
/// region is closed and judged as soon as no later slice can touch it.
///
/// Labelling reads the slice smoothed over 3 × 3 pixels, so that noise does not break a lesion into
/// speckles or scatter speckles over a warm organ; SUVmax and SUVpeak read the SUV values themselves.
public struct FocalUptakeFinder {
    public struct Settings: Sendable, Equatable {
        /// Regions are labelled above this SUV (in the smoothed slice): the common MTV threshold.
        public var labelSUV = 2.5
        /// The threshold's floor and its multiple of the patient's background (PERCIST's idea of a
        /// threshold from the patient's own reference tissue; here soft tissue, which every scan has).
        public var floorSUV = 2.5
        public var referenceMultiple = 3.0
        /// Regions larger than this are organs, not focal uptake.
        public var maxVolumeMl = 80.0
        /// Voxels at or above this count as inside the body for the reference.
        public var bodySUV = 0.3

        public init() {}
    }

    public static let maxReported = 5
    public static let peakDiameterMm = 12.0
    /// The sphere reaches at most this many slices either way (very thin slices cut it in z).
    static let maxReachSlices = 8

    public let width: Int
    public let height: Int
    public let columnSpacingMm: Double
    public let rowSpacingMm: Double
    public let sliceSpacingMm: Double
    public let settings: Settings

    /// A run of hot pixels in one row: columns `start..<end`, and its region label.
    struct Run {
        var row: Int
        var start: Int
        var end: Int
        var label: Int
    }

    struct Region {
        var parent: Int
        /// Voxels of the region whose own SUV is above the labelling threshold.
        var voxels = 0
        var maximum: (value: Float, slice: Int, pixel: Int) = (-.infinity, 0, 0)
        var peak: (mean: Double, slice: Int, pixel: Int) = (-.infinity, 0, 0)
        var lastSlice = 0
        var closed = false
    }

    private let reach: Int
    /// Sphere offsets (slice, row, column) and their count per slice offset, in one list.
    private let sphere: [(dz: Int, dy: Int, dx: Int)]
    /// The last 2·reach + 1 SUV slices, by slice index modulo the ring size, and each slice's runs.
    private var ring: [[Float]]
    private var runsRing: [[Run]]
    private var regions: [Region] = []
    private var openRoots = Set<Int>()
    private var slicesSeen = 0
    private var smoothed: [Float]
    private var rowSums: [Float]
    private var histogram = [Int](repeating: 0, count: FocalUptakeFinder.histogramBins)
    private var found: [FocalCandidate] = []
    static let histogramBins = 2000
    static let histogramStep = 0.01

    public init(width: Int, height: Int, columnSpacingMm: Double, rowSpacingMm: Double, sliceSpacingMm: Double,
                settings: Settings = Settings()) {
        precondition(width > 0 && height > 0 && columnSpacingMm > 0 && rowSpacingMm > 0 && sliceSpacingMm > 0, "invalid geometry")
        self.width = width
        self.height = height
        self.columnSpacingMm = columnSpacingMm
        self.rowSpacingMm = rowSpacingMm
        self.sliceSpacingMm = sliceSpacingMm
        self.settings = settings
        let radius = Self.peakDiameterMm / 2
        reach = min(Int((radius / sliceSpacingMm).rounded(.down)), Self.maxReachSlices)
        var offsets: [(Int, Int, Int)] = []
        let ry = Int((radius / rowSpacingMm).rounded(.down)), rx = Int((radius / columnSpacingMm).rounded(.down))
        for dz in -reach...reach {
            for dy in -ry...ry {
                for dx in -rx...rx {
                    let (z, y, x) = (Double(dz) * sliceSpacingMm, Double(dy) * rowSpacingMm, Double(dx) * columnSpacingMm)
                    if x * x + y * y + z * z <= radius * radius { offsets.append((dz, dy, dx)) }
                }
            }
        }
        sphere = offsets
        ring = Array(repeating: [], count: 2 * reach + 1)
        runsRing = Array(repeating: [], count: 2 * reach + 1)
        smoothed = [Float](repeating: 0, count: width * height)
        rowSums = [Float](repeating: 0, count: width * height)
    }

    /// Adds the next slice's SUV values (width × height, row-major).
    public mutating func add(_ suv: UnsafeBufferPointer<Float>) {
        precondition(suv.count == width * height, "slice size differs from the series'")
        let index = slicesSeen
        let slot = index % ring.count
        ring[slot].removeAll(keepingCapacity: true)
        ring[slot].append(contentsOf: suv)
        countBody(suv)
        smooth(suv)
        runsRing[slot] = label(slice: index, previous: index > 0 ? runsRing[(index - 1) % ring.count] : [])
        slicesSeen += 1
        // The spheres centred on slice index − reach now have every slice they reach.
        if index >= reach { evaluatePeaks(slice: index - reach) }
        closeRegions(before: index - reach)
    }

    /// The candidates so far (all slices seen: the study's).
    public func result() -> FocalUptake {
        var finder = self
        for slice in max(slicesSeen - reach, 0)..<slicesSeen { finder.evaluatePeaks(slice: slice) }
        finder.closeRegions(before: slicesSeen + 1)
        let reference = finder.referenceSUV
        let threshold = max(settings.floorSUV, settings.referenceMultiple * reference)
        let kept = finder.found.filter { $0.suvPeak >= threshold }.map { candidate -> FocalCandidate in
            var candidate = candidate
            candidate.contrast = reference > 0 ? candidate.suvPeak / reference : 0
            return candidate
        }.sorted { $0.suvPeak != $1.suvPeak ? $0.suvPeak > $1.suvPeak : $0.peakVoxel.lexicographicallyPrecedes($1.peakVoxel) }
        return FocalUptake(referenceSUV: reference, thresholdSUV: threshold, maxVolumeMl: settings.maxVolumeMl,
                           candidates: Array(kept.prefix(Self.maxReported)))
    }

    // MARK: - Reference

    /// Every second row and column: the median needs no more, and the slice's time matters.
    private mutating func countBody(_ suv: UnsafeBufferPointer<Float>) {
        let body = Float(settings.bodySUV), perStep = Float(1 / Self.histogramStep), last = Self.histogramBins - 1
        for y in stride(from: 0, to: height, by: 2) {
            for x in stride(from: 0, to: width, by: 2) {
                let value = suv[y * width + x]
                // The bin is clamped as a Float: an implausible but finite SUV (1e34) does not fit an Int.
                if value >= body { histogram[Int(min(value * perStep, Float(last)))] += 1 }
            }
        }
    }

    /// The median of the body's voxels, to the histogram's step.
    var referenceSUV: Double {
        let total = histogram.reduce(0, +)
        guard total > 0 else { return 0 }
        var seen = 0
        for (bin, count) in histogram.enumerated() {
            seen += count
            if 2 * seen >= total { return (Double(bin) + 0.5) * Self.histogramStep }
        }
        return 0
    }

    // MARK: - Labelling

    /// 3 × 3 mean (at the edges, the mean of the pixels inside the image), rows first; the interior
    /// loops are branch-free so that they vectorise.
    private mutating func smooth(_ suv: UnsafeBufferPointer<Float>) {
        let (w, h) = (width, height)
        let third: Float = 1 / 3
        rowSums.withUnsafeMutableBufferPointer { rows in
            for y in 0..<h {
                let input = suv.baseAddress! + y * w, out = rows.baseAddress! + y * w
                if w == 1 { out[0] = input[0]; continue }
                out[0] = (input[0] + input[1]) / 2
                out[w - 1] = (input[w - 2] + input[w - 1]) / 2
                if w > 2 { for x in 1..<(w - 1) { out[x] = (input[x - 1] + input[x] + input[x + 1]) * third } }
            }
            smoothed.withUnsafeMutableBufferPointer { smoothed in
                for y in 0..<h {
                    let low = max(y - 1, 0), high = min(y + 1, h - 1)
                    let scale = 1 / Float(high - low + 1)
                    let out = smoothed.baseAddress! + y * w
                    let first = rows.baseAddress! + low * w, middle = rows.baseAddress! + y * w, last = rows.baseAddress! + high * w
                    if high == low {
                        out.update(from: first, count: w)
                    } else if high - low == 2 {
                        for x in 0..<w { out[x] = (first[x] + middle[x] + last[x]) * scale }
                    } else {
                        for x in 0..<w { out[x] = (first[x] + last[x]) * scale }
                    }
                }
            }
        }
    }

    private mutating func label(slice: Int, previous: [Run]) -> [Run] {
        let threshold = Float(settings.labelSUV)
        var runs: [Run] = []
        var rowStart = 0  // index of the previous row's first run in `runs`
        var previousCursor = 0
        for y in 0..<height {
            let thisRowStart = runs.count
            var x = 0
            while x < width {
                guard smoothed[y * width + x] >= threshold else { x += 1; continue }
                let start = x
                while x < width, smoothed[y * width + x] >= threshold { x += 1 }
                var run = Run(row: y, start: start, end: x, label: -1)
                // Touching runs: the row above in this slice, the same row in the previous slice.
                for other in runs[rowStart..<thisRowStart] where other.start < run.end && run.start < other.end {
                    run.label = run.label < 0 ? find(other.label) : union(run.label, other.label)
                }
                while previousCursor < previous.count, previous[previousCursor].row < y { previousCursor += 1 }
                var cursor = previousCursor
                while cursor < previous.count, previous[cursor].row == y {
                    let other = previous[cursor]
                    if other.start < run.end && run.start < other.end {
                        run.label = run.label < 0 ? find(other.label) : union(run.label, other.label)
                    }
                    cursor += 1
                }
                if run.label < 0 {
                    run.label = regions.count
                    regions.append(Region(parent: regions.count))
                    openRoots.insert(run.label)
                }
                let root = find(run.label)
                regions[root].lastSlice = slice
                // The volume counts the voxels themselves above the threshold, not the smoothed ones.
                for column in run.start..<run.end {
                    let value = ring[slice % ring.count][y * width + column]
                    if value >= threshold { regions[root].voxels += 1 }
                    if value > regions[root].maximum.value { regions[root].maximum = (value, slice, y * width + column) }
                }
                runs.append(run)
            }
            rowStart = thisRowStart
        }
        return runs
    }

    private mutating func find(_ label: Int) -> Int {
        var root = label
        while regions[root].parent != root { root = regions[root].parent }
        var node = label
        while regions[node].parent != root {
            let next = regions[node].parent
            regions[node].parent = root
            node = next
        }
        return root
    }

    /// Joins two regions; their statistics add up in the surviving root.
    private mutating func union(_ a: Int, _ b: Int) -> Int {
        let (ra, rb) = (find(a), find(b))
        guard ra != rb else { return ra }
        let (keep, drop) = ra < rb ? (ra, rb) : (rb, ra)
        regions[drop].parent = keep
        regions[keep].voxels += regions[drop].voxels
        regions[keep].lastSlice = max(regions[keep].lastSlice, regions[drop].lastSlice)
        if regions[drop].maximum.value > regions[keep].maximum.value { regions[keep].maximum = regions[drop].maximum }
        if regions[drop].peak.mean > regions[keep].peak.mean { regions[keep].peak = regions[drop].peak }
        openRoots.remove(drop)
        return keep
    }

    // MARK: - SUVpeak and closing

    /// The sphere mean at every labelled voxel of `slice` (voxels of the sphere outside the image or
    /// beyond the slices seen are left out of the mean).
    private mutating func evaluatePeaks(slice: Int) {
        let runs = runsRing[slice % ring.count]
        let voxelMl = columnSpacingMm * rowSpacingMm * sliceSpacingMm / 1000
        for run in runs {
            let root = find(run.label)
            // An organ-sized region is no candidate: its spheres need not be computed.
            if Double(regions[root].voxels) * voxelMl > settings.maxVolumeMl { continue }
            for column in run.start..<run.end {
                let mean = sphereMean(slice: slice, row: run.row, column: column)
                if mean > regions[root].peak.mean { regions[root].peak = (mean, slice, run.row * width + column) }
            }
        }
    }

    private func sphereMean(slice: Int, row: Int, column: Int) -> Double {
        var sum = 0.0
        var count = 0
        for (dz, dy, dx) in sphere {
            let (z, y, x) = (slice + dz, row + dy, column + dx)
            guard z >= 0, z < slicesSeen, y >= 0, y < height, x >= 0, x < width else { continue }
            sum += Double(ring[z % ring.count][y * width + x])
            count += 1
        }
        return count > 0 ? sum / Double(count) : 0
    }

    /// Regions that no slice from `slice` on can touch or reach with a sphere are judged and forgotten.
    private mutating func closeRegions(before slice: Int) {
        for root in openRoots where regions[root].parent == root && regions[root].lastSlice < slice {
            regions[root].closed = true
            let region = regions[root]
            let volume = Double(region.voxels) * columnSpacingMm * rowSpacingMm * sliceSpacingMm / 1000
            guard volume <= settings.maxVolumeMl, region.peak.mean.isFinite else { continue }
            let (column, row) = (region.peak.pixel % width, region.peak.pixel / width)
            found.append(FocalCandidate(
                volumeMl: volume, suvMax: Double(region.maximum.value), suvPeak: region.peak.mean,
                peakPositionMm: [Double(column) * columnSpacingMm, Double(row) * rowSpacingMm, Double(region.peak.slice) * sliceSpacingMm],
                peakVoxel: [region.peak.slice, column, row], contrast: 0))
        }
        openRoots = openRoots.filter { regions[$0].parent == $0 && !regions[$0].closed }
        // Only the strongest few matter; the cut keeps memory bounded on a study with many.
        if found.count > 8 * Self.maxReported {
            found.sort { $0.suvPeak > $1.suvPeak }
            found.removeLast(found.count - Self.maxReported)
        }
    }
}
