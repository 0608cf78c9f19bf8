import TriageCore

/// Finds focal uptake slice by slice, in one pass with bounded memory: regions are labelled as slices
/// arrive (runs of hot pixels, joined to the runs they touch in the row above and the slice before,
/// with a union-find), the SUVpeak spheres are evaluated once the slices they reach have arrived, and a
/// region is closed and judged as soon as no later slice can touch it. Docs/FocalUptake.md gives the
/// rules and why.
///
/// Labelling reads the slice smoothed over 3 × 3 pixels, so that noise does not break a lesion into
/// speckles or scatter speckles over a warm organ; SUVmax and SUVpeak read the SUV values themselves.
public struct FocalUptakeFinder {
    public struct Settings: Sendable, Equatable {
        /// Regions are labelled above this SUV (in the smoothed slice): the common MTV threshold.
        public var labelSUV = 2.5
        /// The candidate threshold's floor.
        public var floorSUV = 2.5
        /// PERCIST's threshold from the liver: `liverMultiple` × mean + `liverSDs` × standard deviation.
        public var liverMultiple = 1.5
        public var liverSDs = 2.0
        /// Without a liver: this multiple of the body's median SUV.
        public var referenceMultiple = 3.0
        /// Regions larger than this are organs, not focal uptake.
        public var maxVolumeMl = 80.0
        /// Voxels at or above this count as inside the body.
        public var bodySUV = 0.3

        public init() {}
    }

    public static let maxReported = 5
    public static let peakDiameterMm = 12.0
    /// The candidate's surroundings: the ring of voxels this far from its SUVpeak centre, in its slice.
    public static let surroundingsMm = 20.0...30.0
    /// The sphere reaches at most this many slices either way (very thin slices cut it in z).
    static let maxReachSlices = 8
    /// Body outlines of at least this share of the largest one's area in the slice are trunk (two
    /// thighs); smaller ones are arms.
    static let trunkAreaShare = 0.25

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

    struct Peak {
        var mean = -Double.infinity
        var slice = 0
        var pixel = 0
        var background: Double?
    }

    struct Region {
        /// Voxels of the region whose own SUV is above the labelling threshold.
        var voxels = 0
        /// Labelled voxels outside the trunk's outline in their row.
        var outsideTrunk = 0
        var moments = RegionMoments()
        var hottest = HottestVoxel<Float>()
        var peak = Peak()
        var lastSlice = 0
        var closed = false
        /// The last slice whose spheres raised the peak (its surroundings are measured once per slice).
        var peakRaisedIn = -1
    }

    /// A closed region that was not organ-sized, with what the rules need.
    struct Component {
        var candidate: FocalCandidate
        var centroidMm: SIMD3<Double>
        var tubular: Bool
        var outsideTrunk: Bool
    }

    private let reach: Int
    private let plane: Int
    /// Sphere offsets per slice offset (index dz + reach): in-plane (dy, dx) and as linear offsets.
    private let sphere: [[(dy: Int, dx: Int)]]
    private let sphereLinear: [[Int]]
    private let sphereRadiusPixels: (rows: Int, columns: Int)
    private let surroundings: [(dy: Int, dx: Int)]
    /// The last 2·reach + 1 SUV slices.
    private var ring: SliceRing
    private let ringCount: Int
    private var runsRing: [[Run]]
    private var masks: SliceMasks
    /// Region statistics by label, valid at each set's root.
    private var regions: [Region] = []
    private var labels = LabelSets()
    private var openRoots: [Int] = []
    private var slicesSeen = 0
    private var found: [Component] = []
    private var organSized = 0
    private var histogram = [Int](repeating: 0, count: FocalUptakeFinder.histogramBins)
    private var liver: LiverReference
    private var trunk: TrunkOutline
    private var scratch: [Float] = []
    private var rowRuns: [Range<Int>] = []
    static let sampleMm = 6.0
    private let sampleStep: (rows: Int, columns: Int)
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
        plane = width * height
        let radius = Self.peakDiameterMm / 2
        reach = min(Int((radius / sliceSpacingMm).rounded(.down)), Self.maxReachSlices)
        let ry = Int((radius / rowSpacingMm).rounded(.down)), rx = Int((radius / columnSpacingMm).rounded(.down))
        var offsets: [[(dy: Int, dx: Int)]] = []
        for dz in -reach...reach {
            var disc: [(dy: Int, dx: Int)] = []
            for dy in -ry...ry {
                for dx in -rx...rx {
                    let (z, y, x) = (Double(dz) * sliceSpacingMm, Double(dy) * rowSpacingMm, Double(dx) * columnSpacingMm)
                    if x * x + y * y + z * z <= radius * radius { disc.append((dy, dx)) }
                }
            }
            offsets.append(disc)
        }
        sphere = offsets
        sphereLinear = offsets.map { $0.map { $0.dy * width + $0.dx } }
        sphereRadiusPixels = (ry, rx)
        let (inner, outer) = (Self.surroundingsMm.lowerBound, Self.surroundingsMm.upperBound)
        var ringOffsets: [(dy: Int, dx: Int)] = []
        let oy = Int((outer / rowSpacingMm).rounded(.down)), ox = Int((outer / columnSpacingMm).rounded(.down))
        for dy in -oy...oy {
            for dx in -ox...ox {
                let d = (Double(dy) * rowSpacingMm) * (Double(dy) * rowSpacingMm) + (Double(dx) * columnSpacingMm) * (Double(dx) * columnSpacingMm)
                if d >= inner * inner && d <= outer * outer { ringOffsets.append((dy, dx)) }
            }
        }
        surroundings = ringOffsets
        ringCount = 2 * reach + 1
        ring = SliceRing(plane: plane, count: ringCount)
        // Two at least: labelling reads the previous slice's runs while writing this one's.
        runsRing = Array(repeating: [], count: max(ringCount, 2))
        masks = SliceMasks(width: width, height: height)
        sampleStep = (max(1, Int((Self.sampleMm / rowSpacingMm).rounded())), max(1, Int((Self.sampleMm / columnSpacingMm).rounded())))
        liver = LiverReference(width: width, height: height, columnSpacingMm: columnSpacingMm, rowSpacingMm: rowSpacingMm,
                               sliceSpacingMm: sliceSpacingMm, columnStep: sampleStep.columns)
        trunk = TrunkOutline(height: height)
    }

    /// Adds the next slice's SUV values (width × height, row-major).
    public mutating func add(_ suv: UnsafeBufferPointer<Float>) {
        precondition(suv.count == plane, "slice size differs from the series'")
        let index = slicesSeen
        if !isKnownUniquelyReferenced(&ring) { ring = ring.copy() }
        ring.slice(index).update(from: suv.baseAddress!, count: plane)
        sample(suv)
        masks.update(suv, bodyLevel: Float(settings.bodySUV), hotLevel: Float(settings.labelSUV))
        trunk.update(masks, rows: &rowRuns)
        let runsSlot = index % runsRing.count
        var runs = runsRing[runsSlot]
        runsRing[runsSlot] = []
        runs.removeAll(keepingCapacity: true)
        label(slice: index, into: &runs)
        runsRing[runsSlot] = runs
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
        return finder.judge()
    }

    // MARK: - Reference

    /// A voxel about every `sampleMm` along rows and columns: the median and the liver's cubes need no
    /// more, and the slice's time matters.
    private mutating func sample(_ suv: UnsafeBufferPointer<Float>) {
        let body = Float(settings.bodySUV), perStep = Float(1 / Self.histogramStep), last = Float(Self.histogramBins - 1)
        let (rowStep, columnStep) = sampleStep
        histogram.withUnsafeMutableBufferPointer { histogram in
            for y in stride(from: 0, to: height, by: rowStep) {
                let row = suv.baseAddress! + y * width
                for x in stride(from: 0, to: width, by: columnStep) where row[x] >= body {
                    // The bin is clamped as a Float: an implausible but finite SUV (1e34) does not fit an Int.
                    histogram[Int(min(row[x] * perStep, last))] += 1
                }
            }
        }
        for y in stride(from: 0, to: height, by: rowStep) { liver.add(row: y, values: suv.baseAddress! + y * width, bodyLevel: body) }
        liver.endSlice()
    }

    /// The median of the body's voxels, to the histogram's step.
    var bodyMedianSUV: Double {
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

    private mutating func label(slice: Int, into runs: inout [Run]) {
        let threshold = Float(settings.labelSUV)
        let previous = slice > 0 ? runsRing[(slice - 1) % runsRing.count] : []
        var rowStart = 0  // index of the previous row's first run in `runs`
        var previousCursor = 0
        let values = ring.slice(slice)
        for y in 0..<height {
            let thisRowStart = runs.count
            masks.appendRuns(of: .hot, row: y, to: &rowRuns)
            let span = trunk.span(row: y)
            for range in rowRuns {
                var run = Run(row: y, start: range.lowerBound, end: range.upperBound, label: -1)
                // Touching runs: the row above in this slice, the same row in the previous slice.
                for other in runs[rowStart..<thisRowStart] where other.start < run.end && run.start < other.end {
                    run.label = run.label < 0 ? labels.root(of: other.label) : union(run.label, other.label)
                }
                while previousCursor < previous.count, previous[previousCursor].row < y { previousCursor += 1 }
                var cursor = previousCursor
                while cursor < previous.count, previous[cursor].row == y {
                    let other = previous[cursor]
                    if other.start < run.end && run.start < other.end {
                        run.label = run.label < 0 ? labels.root(of: other.label) : union(run.label, other.label)
                    }
                    cursor += 1
                }
                if run.label < 0 {
                    run.label = labels.makeLabel()
                    regions.append(Region())
                    openRoots.append(run.label)
                }
                let root = labels.root(of: run.label)
                regions[root].lastSlice = slice
                regions[root].moments.add(row: y, slice: slice, start: run.start, end: run.end)
                let inside = max(0, min(run.end, span.upperBound) - max(run.start, span.lowerBound))
                regions[root].outsideTrunk += run.end - run.start - inside
                // The volume counts the voxels themselves above the threshold, not the smoothed ones.
                var voxels = 0
                var hottest = regions[root].hottest
                let row = values + y * width
                for column in run.start..<run.end {
                    let value = row[column]
                    if value >= threshold { voxels += 1 }
                    hottest.offer(value, column: column, row: y, slice: slice)
                }
                regions[root].voxels += voxels
                regions[root].hottest = hottest
                runs.append(run)
            }
            rowStart = thisRowStart
        }
    }

    /// Joins two regions; their statistics add up in the surviving root.
    private mutating func union(_ a: Int, _ b: Int) -> Int {
        let (ra, rb) = (labels.root(of: a), labels.root(of: b))
        guard ra != rb else { return ra }
        let (keep, drop) = ra < rb ? (ra, rb) : (rb, ra)
        let gone = regions[drop]
        labels.attach(drop, to: keep)
        regions[keep].voxels += gone.voxels
        regions[keep].outsideTrunk += gone.outsideTrunk
        regions[keep].moments += gone.moments
        regions[keep].lastSlice = max(regions[keep].lastSlice, gone.lastSlice)
        regions[keep].hottest.merge(gone.hottest)
        if gone.peak.mean > regions[keep].peak.mean { regions[keep].peak = gone.peak }
        return keep
    }

    // MARK: - SUVpeak, surroundings and closing

    /// The sphere mean at every labelled voxel of `slice` (voxels of the sphere outside the image or
    /// beyond the slices seen are left out of the mean), then the surroundings of each raised peak.
    private mutating func evaluatePeaks(slice: Int) {
        let runs = runsRing[slice % runsRing.count]
        let voxelMl = columnSpacingMm * rowSpacingMm * sliceSpacingMm / 1000
        var raised: [Int] = []
        for run in runs {
            let root = labels.root(of: run.label)
            // An organ-sized region is no candidate: its spheres need not be computed.
            if Double(regions[root].voxels) * voxelMl > settings.maxVolumeMl { continue }
            var peak = regions[root].peak
            for column in run.start..<run.end {
                let mean = sphereMean(slice: slice, row: run.row, column: column)
                if mean > peak.mean { peak = Peak(mean: mean, slice: slice, pixel: run.row * width + column) }
            }
            if peak.mean > regions[root].peak.mean {
                regions[root].peak = peak
                if regions[root].peakRaisedIn != slice {
                    regions[root].peakRaisedIn = slice
                    raised.append(root)
                }
            }
        }
        // Only a region that can reach the threshold's floor needs its surroundings.
        for root in raised where regions[root].peak.mean >= settings.floorSUV {
            regions[root].peak.background = surroundingMedian(slice: slice, pixel: regions[root].peak.pixel)
        }
    }

    private func sphereMean(slice: Int, row: Int, column: Int) -> Double {
        let firstZ = max(slice - reach, 0), lastZ = min(slice + reach, slicesSeen - 1)
        let (ry, rx) = sphereRadiusPixels
        var sum = 0.0
        var count = 0
        let interior = row >= ry && row < height - ry && column >= rx && column < width - rx
        for z in firstZ...lastZ {
            let centre = UnsafePointer(ring.slice(z) + row * width + column)
            if interior {
                let offsets = sphereLinear[z - slice + reach]
                var partial = 0.0
                for offset in offsets { partial += Double(centre[offset]) }
                sum += partial
                count += offsets.count
            } else {
                for (dy, dx) in sphere[z - slice + reach] {
                    let (y, x) = (row + dy, column + dx)
                    guard y >= 0, y < height, x >= 0, x < width else { continue }
                    sum += Double(centre[dy * width + dx])
                    count += 1
                }
            }
        }
        return count > 0 ? sum / Double(count) : 0
    }

    /// The median of the body's voxels in the ring around `pixel` (nil when under a quarter of the
    /// ring lies in the body and the image).
    private mutating func surroundingMedian(slice: Int, pixel: Int) -> Double? {
        let (row, column) = (pixel / width, pixel % width)
        let body = Float(settings.bodySUV)
        scratch.removeAll(keepingCapacity: true)
        let values = ring.slice(slice)
        for (dy, dx) in surroundings {
            let (y, x) = (row + dy, column + dx)
            guard y >= 0, y < height, x >= 0, x < width else { continue }
            let value = values[y * width + x]
            if value >= body { scratch.append(value) }
        }
        guard !scratch.isEmpty, 4 * scratch.count >= surroundings.count else { return nil }
        return Double(Self.select(scratch.count / 2, in: &scratch))
    }

    /// The `k`-th smallest value (Hoare's selection: no full sort for a median); reorders `values`.
    static func select(_ k: Int, in values: inout [Float]) -> Float {
        var (low, high) = (0, values.count - 1)
        while low < high {
            let pivot = values[(low + high) / 2]
            var (i, j) = (low, high)
            while i <= j {
                while values[i] < pivot { i += 1 }
                while values[j] > pivot { j -= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j { high = j } else if k >= i { low = i } else { return values[k] }
        }
        return values[k]
    }

    /// Regions that no slice from `slice` on can touch or reach with a sphere are judged and forgotten.
    private mutating func closeRegions(before slice: Int) {
        var kept = 0
        for position in openRoots.indices {
            let root = openRoots[position]
            guard labels.isRoot(root) else { continue }  // merged into another open region
            if regions[root].lastSlice >= slice {
                openRoots[kept] = root
                kept += 1
            } else {
                close(root)
            }
        }
        openRoots.removeLast(openRoots.count - kept)
        // Only the strongest matter (a mirror partner is of similar uptake); the cut keeps memory bounded.
        if found.count > 512 {
            found.sort { $0.candidate.suvPeak > $1.candidate.suvPeak }
            found.removeLast(found.count - 256)
        }
    }

    private mutating func close(_ root: Int) {
        regions[root].closed = true
        let region = regions[root]
        let volume = Double(region.voxels) * columnSpacingMm * rowSpacingMm * sliceSpacingMm / 1000
        if volume > settings.maxVolumeMl {
            organSized += 1
            return
        }
        guard region.peak.mean.isFinite else { return }
        let spacing = SIMD3(columnSpacingMm, rowSpacingMm, sliceSpacingMm)
        let (column, row) = (region.peak.pixel % width, region.peak.pixel / width)
        let candidate = FocalCandidate(
            volumeMl: volume, suvMax: Double(region.hottest.value), suvPeak: region.peak.mean,
            peakPositionMm: [Double(column) * columnSpacingMm, Double(row) * rowSpacingMm, Double(region.peak.slice) * sliceSpacingMm],
            peakVoxel: [region.peak.slice, column, row], contrast: 0, localBackgroundSUV: region.peak.background)
        found.append(Component(
            candidate: candidate, centroidMm: region.moments.centroidMm(spacing: spacing),
            tubular: FocalRules.isTubular(region.moments.principalSpreadsMm(spacing: spacing)),
            outsideTrunk: Double(region.outsideTrunk) > FocalRules.outsideTrunkShare * region.moments.count))
    }

    // MARK: - Judging

    /// The reference and threshold, the physiology rules, and the candidates ranked by contrast.
    private func judge() -> FocalUptake {
        let median = bodyMedianSUV
        let reference: (suv: Double, sd: Double?, tissue: String, threshold: Double)
        if let liver = liver.find(bodyMedian: median) {
            reference = (liver.mean, liver.standardDeviation, "liver",
                         max(settings.floorSUV, settings.liverMultiple * liver.mean + settings.liverSDs * liver.standardDeviation))
        } else {
            reference = (median, nil, "body", max(settings.floorSUV, settings.referenceMultiple * median))
        }
        let midline = trunk.midlineColumn.map { $0 * columnSpacingMm } ?? Double(width - 1) / 2 * columnSpacingMm
        var exclusions = FocalExclusions(organSized: organSized)
        // Mirror partners may be any region that is neither a tube nor outside the trunk, even one
        // under the threshold (the other gland of a pair can be a little cooler).
        let partners = found.filter { !$0.tubular && !$0.outsideTrunk }
        var kept: [FocalCandidate] = []
        for component in found where component.candidate.suvPeak >= reference.threshold {
            if component.tubular { exclusions.tubular += 1; continue }
            if component.outsideTrunk { exclusions.outsideTrunk += 1; continue }
            let mirrored = partners.contains {
                FocalRules.mirror(component.centroidMm, $0.centroidMm, midlineMm: midline, peaks: (component.candidate.suvPeak, $0.candidate.suvPeak),
                                  volumes: (component.candidate.volumeMl, $0.candidate.volumeMl))
            }
            if mirrored { exclusions.symmetricPair += 1; continue }
            var candidate = component.candidate
            let background = candidate.localBackgroundSUV ?? median
            candidate.contrast = background > 0 ? candidate.suvPeak / background : 0
            kept.append(candidate)
        }
        kept.sort {
            if $0.contrast != $1.contrast { return $0.contrast > $1.contrast }
            if $0.suvPeak != $1.suvPeak { return $0.suvPeak > $1.suvPeak }
            return $0.peakVoxel.lexicographicallyPrecedes($1.peakVoxel)
        }
        return FocalUptake(referenceSUV: reference.suv, thresholdSUV: reference.threshold, maxVolumeMl: settings.maxVolumeMl,
                           candidates: Array(kept.prefix(Self.maxReported)), referenceTissue: reference.tissue,
                           referenceSDSUV: reference.sd, excluded: exclusions)
    }
}
