import Foundation
import Testing
@testable import Evidence
import TriageCore

/// The focal baseline's physiology rules and its liver reference, each on a volume built to show one
/// rule: what a reader sets aside (a ureter, an injection site in an arm, a pair of glands) is set aside,
/// and the same spot where a lesion would be is still found.
@Suite struct FocalPhysiologyTests {
    typealias Volume = FocalUptakeTests.Volume

    static func inside(_ point: SIMD3<Double>, _ centre: SIMD3<Double>, radius: Double) -> Bool {
        FocalUptakeTests.inside(point, centre: centre, radius: radius)
    }

    /// Deterministic noise in −1…1 from a voxel's position (no generator state, so the test's own sums
    /// see the same values as the finder).
    static func noise(_ point: SIMD3<Double>) -> Double {
        // SplitMix64 of the position's millimetres.
        var z = UInt64(bitPattern: Int64(point.x.rounded())) &* 0x9E37_79B9_7F4A_7C15
            ^ UInt64(bitPattern: Int64(point.y.rounded())) &* 0xC2B2_AE3D_27D4_EB4F
            ^ UInt64(bitPattern: Int64(point.z.rounded())) &* 0x1656_67B1_9E37_79F9
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53) * 2 - 1
    }

    /// A tube of 8 mm diameter and 120 mm along z (a ureter full of urine) is no candidate; a sphere of the
    /// same uptake is.
    @Test func aTubeAlongTheBodyAxisIsNotACandidate() {
        let tube = SIMD2(60.0, 96.0), sphere = SIMD3(140.0, 96.0, 80.0)
        let volume = Volume { point in
            let d = SIMD2(point.x, point.y) - tube
            if (d * d).sum() <= 16, point.z >= 20, point.z <= 140 { return 8 }
            return Self.inside(point, sphere, radius: 8) ? 8 : 0.8
        }
        let focal = volume.focal()
        #expect(focal.candidates.count == 1)
        #expect(focal.candidates.first.map { abs($0.peakPositionMm[0] - 140) <= 4 } == true)
        #expect(focal.excluded?.tubular == 1)
        // The spread ratio itself: a rod's long axis against its cross-section.
        var rod = RegionMoments()
        for z in 0..<30 { for y in 0..<2 { rod.add(row: y, slice: z, start: 0, end: 2) } }
        let spreads = rod.principalSpreadsMm(spacing: SIMD3(4, 4, 4))
        #expect(abs(spreads.0 - (120.0 * 120 / 12).squareRoot()) < 1e-9)
        #expect(abs(spreads.1 - 4 / 12.0.squareRoot() * 2) < 1e-9 && FocalRules.isTubular(spreads))
    }

    /// The closed-form eigenvalues agree with the characteristic polynomial's roots of a full matrix.
    @Test func principalSpreadsComeFromTheCovariancesEigenvalues() {
        let (a11, a22, a33, a12, a13, a23) = (5.0, 3.0, 2.0, 1.0, 0.5, -0.7)
        let e = RegionMoments.symmetricEigenvalues(a11, a22, a33, a12, a13, a23)
        for lambda in [e.0, e.1, e.2] {
            let m11 = a11 - lambda, m22 = a22 - lambda, m33 = a33 - lambda
            let det = m11 * (m22 * m33 - a23 * a23) - a12 * (a12 * m33 - a23 * a13) + a13 * (a12 * a23 - m22 * a13)
            #expect(abs(det) < 1e-9)
        }
        #expect(e.0 >= e.1 && e.1 >= e.2 && abs(e.0 + e.1 + e.2 - 10) < 1e-12)
    }

    /// A trunk with an arm beside it, apart by 16 mm: a hot focus in the arm (an injection site) is set
    /// aside, the same focus in the trunk is found.
    @Test func aFocusInAnArmBesideTheTrunkIsSetAside() {
        func volume(focus: SIMD3<Double>) -> Volume {
            Volume(size: 64) { point in
                if Self.inside(point, focus, radius: 6) { return 10 }
                let trunk = (point.x - 100) / 70, depth = (point.y - 128) / 80
                if trunk * trunk + depth * depth <= 1 { return 0.8 }
                let arm = SIMD2(point.x - 208, point.y - 128)
                return (arm * arm).sum() <= 22 * 22 ? 0.7 : 0
            }
        }
        let inArm = volume(focus: SIMD3(208, 128, 80)).focal()
        #expect(inArm.candidates.isEmpty)
        #expect(inArm.excluded?.outsideTrunk == 1)
        let inTrunk = volume(focus: SIMD3(140, 128, 80)).focal()
        #expect(inTrunk.candidates.count == 1 && inTrunk.excluded?.outsideTrunk == 0)
    }

    /// Two glands mirrored about the body's midline, of similar uptake, are physiology; one alone, or two
    /// of very different uptake, are candidates.
    @Test func aLeftRightPairOfSimilarUptakeIsSetAside() {
        func volume(_ spots: [(SIMD3<Double>, Float)]) -> FocalUptake {
            Volume { point in
                for (centre, value) in spots where Self.inside(point, centre, radius: 7) { return value }
                return 0.8
            }.focal()
        }
        // The body fills the image: its midline is the image's, at 94 mm.
        let pair = volume([(SIMD3(54, 80, 80), 6), (SIMD3(134, 84, 84), 5)])
        #expect(pair.candidates.isEmpty && pair.excluded?.symmetricPair == 2)
        let single = volume([(SIMD3(54, 80, 80), 6)])
        #expect(single.candidates.count == 1 && single.excluded?.symmetricPair == 0)
        let unequal = volume([(SIMD3(54, 80, 80), 12), (SIMD3(134, 84, 84), 4)])
        #expect(unequal.candidates.count == 2)
    }

    /// A noisy liver of SUV 2.2 in a body of 0.8: it is found as the reference, the threshold is PERCIST's
    /// 1.5 × its mean + 2 SD (both checked against the liver's own voxels), and a lesion of twice the
    /// liver's uptake inside it is a candidate, ranked by its contrast to the liver around it.
    @Test func theLiverIsTheReferenceAndALiverLesionIsFoundAgainstIt() throws {
        let liver = SIMD3(96.0, 96.0, 80.0), axes = SIMD3(70.0, 60.0, 55.0), lesion = SIMD3(110.0, 100.0, 80.0)
        func inLiver(_ point: SIMD3<Double>) -> Bool { let o = (point - liver) / axes; return (o * o).sum() <= 1 }
        let volume = Volume { point in
            if Self.inside(point, lesion, radius: 8) { return 4.4 }
            if inLiver(point) { return Float(2.2 + 0.25 * Self.noise(point)) }
            return 0.8
        }
        let focal = volume.focal()
        #expect(focal.referenceTissue == "liver")
        // The liver's voxels themselves, every one (the finder samples a voxel about every 6 mm).
        var values: [Double] = []
        for z in 0..<volume.slices { for y in 0..<volume.size { for x in 0..<volume.size {
            let point = SIMD3(Double(x), Double(y), Double(z)) * volume.spacing
            if inLiver(point), !Self.inside(point, lesion, radius: 20) { values.append(Double(volume.voxel(x, y, z))) }
        } } }
        let mean = values.reduce(0, +) / Double(values.count)
        let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        #expect(abs(focal.referenceSUV - mean) < 0.05, "\(focal.referenceSUV) vs \(mean)")
        let sdFound = try #require(focal.referenceSDSUV)
        #expect(abs(sdFound - sd) < 0.03, "\(sdFound) vs \(sd)")
        #expect(abs(focal.thresholdSUV - (1.5 * mean + 2 * sd)) < 0.1)
        let found = try #require(focal.candidates.first)
        #expect(abs(found.peakPositionMm[0] - 110) <= 4 && abs(found.peakPositionMm[2] - 80) <= 4)
        let background = try #require(found.localBackgroundSUV)
        #expect(abs(background - 2.2) < 0.15, "the lesion's surroundings are liver")
        #expect(abs(found.contrast - found.suvPeak / background) < 1e-12 && found.contrast > 1.6)
    }

    /// Without a region of even, warm uptake (here a body of 1.0 with a hot bladder-like organ of 12, too
    /// hot for a liver) the reference is the body's median, and says so.
    @Test func withoutALiverTheReferenceIsTheBodysMedian() {
        let focal = Volume { point in
            let o = (point - SIMD3(96, 96, 80)) / SIMD3(50, 50, 40)
            return (o * o).sum() <= 1 ? 12 : 1.0
        }.focal()
        #expect(focal.referenceTissue == "body")
        #expect(abs(focal.referenceSUV - 1.0) < 0.011 && abs(focal.thresholdSUV - 3.0) < 0.05)
        #expect(focal.referenceSDSUV == nil && focal.excluded?.organSized == 1)
    }

    /// The lane-to-bit gather agrees with reading the lanes one by one, for every pattern.
    @Test func maskBitsAreTheLanesInOrder() {
        for pattern in 0..<256 {
            let lanes = SIMD8<Int32>((0..<8).map { pattern >> $0 & 1 == 1 ? 1 : 0 })
            #expect(SliceMasks.bits(lanes .== 1) == UInt64(pattern))
        }
    }

    /// The bit masks and their runs agree with testing every pixel, on widths that are and are not whole
    /// words.
    @Test func maskRunsAgreeWithAPixelByPixelScan() {
        for width in [1, 63, 64, 65, 130, 256] {
            let height = 5
            var values = [Float](repeating: 0, count: width * height)
            for index in values.indices { values[index] = Float((Self.noise(SIMD3(Double(index), 1, 2)) + 1) * 2) }
            var masks = SliceMasks(width: width, height: height)
            values.withUnsafeBufferPointer { masks.update($0, bodyLevel: 0.5, hotLevel: 2.5) }
            // The same 3 × 3 mean, written out plainly.
            func smoothed(_ x: Int, _ y: Int) -> Float {
                let rows = max(y - 1, 0)...min(y + 1, height - 1), columns = max(x - 1, 0)...min(x + 1, width - 1)
                let rowMeans = rows.map { r in columns.map { values[r * width + $0] }.reduce(0, +) / Float(columns.count) }
                return rowMeans.reduce(0, +) / Float(rows.count)
            }
            for (which, level) in [(SliceMasks.Mask.body, Float(0.5)), (.hot, 2.5)] {
                for y in 0..<height {
                    var runs: [Range<Int>] = []
                    masks.appendRuns(of: which, row: y, to: &runs)
                    var expected: [Range<Int>] = []
                    var x = 0
                    while x < width {
                        if smoothed(x, y) >= level {
                            let start = x
                            while x < width, smoothed(x, y) >= level { x += 1 }
                            expected.append(start..<x)
                        } else { x += 1 }
                    }
                    #expect(runs == expected, "width \(width), row \(y), \(which)")
                }
            }
        }
    }
}
