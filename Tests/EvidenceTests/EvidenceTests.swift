import Foundation
import Testing
@testable import Evidence
import TriageCore

/// Evidence from synthetic spheres of known concentration and size, on anisotropic voxels so that
/// the millimetre geometry (not voxel counts) is what is tested.
@Suite struct EvidenceTests {
    struct Grid {
        var size = 64, slices = 40
        var column = 2.0, row = 2.0, slice = 3.0

        /// Feeds a sphere (centre in mm, radius in mm, value inside and outside) slice by slice.
        func evidence(centre: SIMD3<Double>, radius: Double, inside: (Double) -> Float, background: Float) -> VolumeEvidence? {
            var accumulator = EvidenceAccumulator(
                width: size, height: size, columnSpacingMm: column, rowSpacingMm: row, sliceSpacingMm: slice)
            var values = [Float](repeating: 0, count: size * size)
            for z in 0..<slices {
                for y in 0..<size {
                    for x in 0..<size {
                        let offset = SIMD3(Double(x) * column, Double(y) * row, Double(z) * slice) - centre
                        let r = (offset * offset).sum().squareRoot()
                        values[y * size + x] = r <= radius ? inside(r) : background
                    }
                }
                values.withUnsafeBufferPointer { accumulator.add($0) }
            }
            return accumulator.result()
        }
    }

    /// A 30 mm sphere of SUV 10 (rising by 0.001 per mm towards its centre, so that the centre is the
    /// unique maximum): every voxel within 6 mm is inside, so SUVpeak is 10 plus at most 0.015 of slope.
    @Test func peakInsideALargeSphereIsItsConcentration() throws {
        let centre = SIMD3(64.0, 60.0, 57.0)  // on a voxel centre: column 32, row 30, slice 19
        let evidence = try #require(Grid().evidence(centre: centre, radius: 15, inside: { Float(10 + 0.001 * (15 - $0)) }, background: 1))
        #expect(abs(evidence.suvMax - 10.015) < 1e-4)
        #expect(evidence.suvMaxPositionMm == PositionMm(x: 64, y: 60, z: 57) && evidence.suvMaxVoxel == VoxelIndex(column: 32, row: 30, slice: 19))
        #expect(evidence.suvPeak > 10.009 && evidence.suvPeak < 10.015)
        // Voxel centres within 6 mm on a 2 × 2 × 3 mm grid: counted by hand per slice offset
        // (dz = 0: 29, dz = ±3 mm: 21 each, dz = ±6 mm: 1 each).
        #expect(evidence.suvPeakVoxelCount == 73)
    }

    /// Thin slices (0.3 mm: the 12 mm sphere would span 41 of them) are summed five at a time into 1.5 mm
    /// slabs, so that memory does not grow with the slice density. The peak is unchanged within the same
    /// bound as on the coarse grid, and the small sphere is diluted as the volumes say.
    @Test func thinSlicesAreCombinedIntoSlabsWithoutChangingThePeak() throws {
        let thin = Grid(size: 40, slices: 400, column: 2, row: 2, slice: 0.3)
        let accumulator = EvidenceAccumulator(width: 4, height: 4, columnSpacingMm: 2, rowSpacingMm: 2, sliceSpacingMm: 0.3)
        #expect(accumulator.slicesPerSlab == 5)
        let centre = SIMD3(40.0, 40.0, 60.0)  // slice 200, the first of its slab
        let large = try #require(thin.evidence(centre: centre, radius: 15, inside: { Float(10 + 0.001 * (15 - $0)) }, background: 1))
        #expect(large.suvMaxVoxel == VoxelIndex(column: 20, row: 20, slice: 200) && abs(large.suvMax - 10.015) < 1e-4)
        #expect(large.suvPeak > 10.009 && large.suvPeak < 10.015, "\(large.suvPeak)")
        let small = try #require(thin.evidence(centre: centre, radius: 4, inside: { Float(20 - 0.01 * $0) }, background: 2))
        let expected = 2 + 18 * (4.0 * 4.0 * 4.0) / (6.0 * 6.0 * 6.0)
        #expect(abs(small.suvPeak - expected) <= 0.25 * 18, "\(small.suvPeak) vs \(expected)")
    }

    /// A sphere smaller than the SUVpeak sphere: the peak mixes lesion and background in proportion to
    /// the volumes, (4/6)³ ≈ 0.30 for a 4 mm radius; on this coarse grid the voxel count decides, so the
    /// bound is 25 % of the contrast.
    @Test func peakOfASmallSphereIsDilutedByBackground() throws {
        let evidence = try #require(Grid().evidence(centre: SIMD3(64, 60, 57), radius: 4, inside: { Float(20 - 0.01 * $0) }, background: 2))
        let fraction: Double = (4.0 * 4.0 * 4.0) / (6.0 * 6.0 * 6.0)
        let expected = 2 + 18 * fraction
        #expect(abs(evidence.suvPeak - expected) <= 0.25 * 18)
        #expect(evidence.suvPeak < evidence.suvMax)
    }

    /// Hot volume of a 20 mm-radius sphere above SUV 2.5: 4/3·π·20³ mm³ = 33.5 mL, within the
    /// partial-volume error of voxelising it on 2 × 2 × 3 mm voxels (5 %).
    @Test func hotVolumeOfAKnownSphere() throws {
        let evidence = try #require(Grid(size: 64, slices: 40).evidence(centre: SIMD3(64, 64, 60), radius: 20, inside: { _ in 6 }, background: 1))
        let expected: Double = 4.0 / 3.0 * Double.pi * 8.0
        #expect(abs(evidence.hotVolumeMl - expected) / expected < 0.05, "\(evidence.hotVolumeMl) mL vs \(expected) mL")
        #expect(evidence.hotThresholdSUV == 2.5)
    }

    /// A maximum near the last slice: the peak uses the slices that exist.
    @Test func maximumAtTheEdgeOfTheVolume() throws {
        let evidence = try #require(Grid(slices: 10).evidence(centre: SIMD3(64, 60, 27), radius: 15, inside: { Float(10 + 0.001 * (15 - $0)) }, background: 1))
        #expect(evidence.suvMaxVoxel.slice == 9)
        #expect(evidence.suvPeak > 10)
        #expect(evidence.suvPeakVoxelCount == 29 + 21 + 1)
    }

    @Test func noSlicesNoEvidence() {
        let accumulator = EvidenceAccumulator(width: 2, height: 2, columnSpacingMm: 1, rowSpacingMm: 1, sliceSpacingMm: 1)
        #expect(accumulator.result() == nil)
    }

    /// 1030 slices share MIP rows three at a time (within 512 rows), each row the maximum of its slices:
    /// a single hot voxel shows in its row, and the memory does not grow with the slice count. Widths
    /// that are not a multiple of eight exercise the scalar tail of the row scan.
    @Test func theCoronalMIPKeepsAtMost512RowsAndLosesNoHotVoxel() {
        let width = 13, height = 5, slices = 1030
        var accumulator = EvidenceAccumulator(width: width, height: height, columnSpacingMm: 2, rowSpacingMm: 2, sliceSpacingMm: 1,
                                              expectedSlices: slices)
        #expect(accumulator.mipSlicesPerRow == 3)
        var values = [Float](repeating: 1, count: width * height)
        for slice in 0..<slices {
            values[3 * width + 11] = slice == 1000 ? 9 : 1   // row 3, column 11, only in slice 1000
            values[1 * width + 2] = slice == 7 ? 4 : 1       // a lesser spot in the body of the row scan
            values.withUnsafeBufferPointer { accumulator.add($0) }
        }
        let rows = accumulator.coronalMIP.count / width
        #expect(rows == 344 && accumulator.coronalMIP.count == rows * width)
        #expect(accumulator.coronalMIP[333 * width + 11] == 9, "slice 1000 is in MIP row 1000 / 3 = 333")
        #expect(accumulator.coronalMIP[2 * width + 2] == 4, "slice 7 is in MIP row 2")
        #expect(accumulator.coronalMIP.filter { $0 > 1 }.count == 2)
        let evidence = accumulator.result()
        #expect(evidence?.suvMax == 9 && evidence?.suvMaxVoxel == VoxelIndex(column: 11, row: 3, slice: 1000))
        #expect(evidence.map { abs($0.hotVolumeMl - 2 * (2 * 2 * 1) / 1000.0) < 1e-12 } == true, "two voxels above 2.5, 4 µL each")
    }

    /// The hottest voxel is the first in reading order holding the maximum: ties in the SIMD body and
    /// the scalar tail of a row, in a later row and in a later slice; NaN is never it, and neither are
    /// the negative values around it.
    @Test func theHottestVoxelIsTheFirstOfTiesAndNeverNaN() throws {
        let width = 19, height = 4
        var accumulator = EvidenceAccumulator(width: width, height: height, columnSpacingMm: 2, rowSpacingMm: 2, sliceSpacingMm: 2)
        for slice in 0..<3 {
            var values = [Float](repeating: -2, count: width * height)
            values[0] = .nan                        // before everything, in every slice
            values[1 * width + 17] = 6              // slice 0: the scalar tail of row 1
            if slice >= 1 {
                values[1 * width + 3] = .nan        // ahead of the 6 of slice 0, in the SIMD body
                values[0 * width + 4] = 6           // a tie, earlier in its slice but in a later slice
                values[2 * width + 17] = 6
            }
            values.withUnsafeBufferPointer { accumulator.add($0) }
        }
        let evidence = try #require(accumulator.result())
        #expect(evidence.suvMax == 6 && evidence.suvMaxVoxel == VoxelIndex(column: 17, row: 1, slice: 0))
        #expect(evidence.suvMaxPositionMm == PositionMm(x: 34, y: 2, z: 0))
    }

    /// Handing each slice's buffer over (the pipeline's way, no copy into the ring) gives exactly the
    /// evidence that copying gives, with one slice per slab and with thin slices summed into slabs, and the
    /// buffer that comes back is always a whole slice (stale values, which the next slice overwrites).
    @Test(arguments: [3.0, 0.5]) func handingSlicesOverGivesTheEvidenceThatCopyingGives(sliceSpacingMm: Double) {
        let width = 21, height = 17, slices = 60
        func accumulator() -> EvidenceAccumulator {
            EvidenceAccumulator(width: width, height: height, columnSpacingMm: 2, rowSpacingMm: 2.5, sliceSpacingMm: sliceSpacingMm,
                                expectedSlices: slices)
        }
        var copying = accumulator(), handing = accumulator()
        #expect(copying.slicesPerSlab == (sliceSpacingMm < 1 ? 3 : 1))
        var handed = [Float]()
        for slice in 0..<slices {
            // Values of 0–3 scattered by a hash of the voxel, and one hot voxel.
            let values = (0..<width * height).map { i in Float((i * 7919 + slice * 104_729) % 1000) / 333 + (i == 200 && slice == 31 ? 12 : 0) }
            values.withUnsafeBufferPointer { copying.add($0) }
            if handed.count != values.count { handed = [Float](repeating: 0, count: values.count) }
            handed.replaceSubrange(0..<values.count, with: values)
            handing.add(handingOver: &handed)
            #expect(handed.count == width * height)
        }
        #expect(handing.result() == copying.result() && handing.coronalMIP == copying.coronalMIP)
        #expect(copying.result()?.suvMaxVoxel == VoxelIndex(column: 200 % width, row: 200 / width, slice: 31))
    }

    /// A volume with nothing but NaN and −∞ still has evidence, at its first voxel, so that the study
    /// fails on a value that is not finite (FiniteValues) rather than having none.
    @Test func aVolumeOfNaNKeepsItsFirstVoxelAtMinusInfinity() throws {
        var accumulator = EvidenceAccumulator(width: 9, height: 2, columnSpacingMm: 1, rowSpacingMm: 1, sliceSpacingMm: 1)
        for value in [Float.nan, -.infinity] {
            let values = [Float](repeating: value, count: 18)
            values.withUnsafeBufferPointer { accumulator.add($0) }
        }
        let evidence = try #require(accumulator.result())
        #expect(evidence.suvMax == -.infinity && evidence.suvMaxVoxel == VoxelIndex(column: 0, row: 0, slice: 0))
    }

    /// The labels of the focal finder and of the body outline: unions through roots, path compression.
    @Test func labelSetsJoinThroughTheirRoots() {
        var sets = LabelSets()
        let labels = (0..<6).map { _ in sets.makeLabel() }
        #expect(labels == Array(0..<6) && sets.count == 6 && labels.allSatisfy { sets.isRoot($0) })
        sets.attach(5, to: 4)
        sets.attach(4, to: 1)
        sets.attach(3, to: 2)
        #expect(sets.root(of: 5) == 1 && sets.root(of: 3) == 2 && sets.root(of: 0) == 0)
        #expect(!sets.isRoot(5) && !sets.isRoot(4) && sets.isRoot(1))
        sets.attach(2, to: 1)
        #expect((0..<6).map { sets.root(of: $0) } == [0, 1, 1, 1, 1, 1])
        sets.removeAll()
        #expect(sets.count == 0 && sets.makeLabel() == 0)
    }
}
