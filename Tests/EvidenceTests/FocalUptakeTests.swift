import Foundation
import Testing
@testable import Evidence
import TriageCore

/// The focal-uptake baseline on volumes of known content: spheres of known size and uptake beside an
/// organ, and a sphere whose hottest voxel is off its centre.
@Suite struct FocalUptakeTests {
    /// A volume on a 4 mm isotropic grid, given voxel by voxel, fed slice by slice.
    struct Volume {
        var size = 48, slices = 40
        var spacing = 4.0
        var value: (SIMD3<Double>) -> Float

        func voxel(_ x: Int, _ y: Int, _ z: Int) -> Float { value(SIMD3(Double(x), Double(y), Double(z)) * spacing) }

        func focal(settings: FocalUptakeFinder.Settings = .init()) -> FocalUptake {
            var finder = FocalUptakeFinder(width: size, height: size, columnSpacingMm: spacing, rowSpacingMm: spacing,
                                           sliceSpacingMm: spacing, settings: settings)
            var slice = [Float](repeating: 0, count: size * size)
            for z in 0..<slices {
                for y in 0..<size { for x in 0..<size { slice[y * size + x] = voxel(x, y, z) } }
                slice.withUnsafeBufferPointer { finder.add($0) }
            }
            return finder.result()
        }

        /// PERCIST SUVpeak by brute force: the best mean over voxel centres within 6 mm of any voxel
        /// centre whose own value is at least `above` (an independent check of the streaming finder).
        func bruteForcePeak(near centre: SIMD3<Int>, within: Int, above: Float) -> (mean: Double, voxel: SIMD3<Int>) {
            var best = (mean: -Double.infinity, voxel: centre)
            for z in (centre.z - within)...(centre.z + within) {
                for y in (centre.y - within)...(centre.y + within) {
                    for x in (centre.x - within)...(centre.x + within) where voxel(x, y, z) >= above {
                        var sum = 0.0, count = 0
                        for dz in -2...2 { for dy in -2...2 { for dx in -2...2 {
                            let d = Double(dx * dx + dy * dy + dz * dz) * spacing * spacing
                            guard d <= 36, (0..<slices).contains(z + dz), (0..<size).contains(y + dy), (0..<size).contains(x + dx) else { continue }
                            sum += Double(voxel(x + dx, y + dy, z + dz))
                            count += 1
                        } } }
                        if sum / Double(count) > best.mean { best = (sum / Double(count), SIMD3(x, y, z)) }
                    }
                }
            }
            return best
        }
    }

    static func inside(_ point: SIMD3<Double>, centre: SIMD3<Double>, radius: Double) -> Bool {
        ((point - centre) * (point - centre)).sum() <= radius * radius
    }

    /// A hot organ (an ellipsoid of about 300 mL at SUV 6) with two spheres beside it: 20 mm at SUV 8 and
    /// 12 mm at SUV 4, on a background of 0.8. Both spheres are found, strongest first, where they are;
    /// the organ is not.
    @Test func spheresBesideAHotOrganAreFoundAndTheOrganIsNot() {
        let organ = SIMD3(60.0, 96.0, 80.0), organAxes = SIMD3(40.0, 45.0, 40.0)
        let big = SIMD3(140.0, 96.0, 80.0), small = SIMD3(96.0, 160.0, 120.0)
        let volume = Volume { point in
            let o = (point - organ) / organAxes
            if (o * o).sum() <= 1 { return 6 }
            if Self.inside(point, centre: big, radius: 10) { return 8 }
            if Self.inside(point, centre: small, radius: 6) { return 4 }
            return 0.8
        }
        let focal = volume.focal()
        #expect(abs(focal.referenceSUV - 0.8) < 0.011)
        #expect(focal.thresholdSUV == 2.5)
        #expect(focal.candidates.count == 2)
        guard focal.candidates.count == 2 else { return }
        let (first, second) = (focal.candidates[0], focal.candidates[1])
        #expect(first.suvMax == 8 && first.suvPeak == 8, "the 12 mm sphere fits inside the 20 mm one")
        // Every sphere centre within 4 mm of the lesion's centre lies wholly inside it (a tie at SUV 8).
        #expect(abs(first.peakPositionMm[0] - 140) <= 4 && abs(first.peakPositionMm[1] - 96) <= 4 && abs(first.peakPositionMm[2] - 80) <= 4)
        // The voxel centres within 10 mm of the centre on a 4 mm grid, 64 mm³ each.
        var inside = 0
        for z in -3...3 { for y in -3...3 { for x in -3...3 where x * x + y * y + z * z <= 6 { inside += 1 } } }
        #expect(abs(first.volumeMl - Double(inside) * 0.064) < 1e-9, "\(first.volumeMl) mL")
        #expect(abs(first.contrast - 10) < 0.2)
        #expect(second.suvMax == 4)
        #expect(second.peakVoxel == [30, 24, 40])
        let expectedSmall = volume.bruteForcePeak(near: SIMD3(24, 40, 30), within: 2, above: 4)
        #expect(abs(second.suvPeak - expectedSmall.mean) < 1e-9)
        // Nothing is reported inside the organ, and without the spheres nothing at all.
        #expect(!focal.candidates.contains { Self.inside(SIMD3($0.peakPositionMm[0], $0.peakPositionMm[1], $0.peakPositionMm[2]), centre: organ, radius: 46) })
        let organOnly = Volume { point in
            let o = (point - organ) / organAxes
            return (o * o).sum() <= 1 ? 6 : 0.8
        }
        #expect(organOnly.focal().candidates.isEmpty)
    }

    /// A 20 mm sphere of SUV 5 whose hottest voxel (SUV 12) sits 8 mm from its centre. The 12 mm sphere
    /// with the highest mean is centred one voxel from the centre towards the hot voxel (it holds the
    /// hot voxel and only voxels of the lesion), neither on the centre nor on the hottest voxel.
    @Test func suvPeakIsTheBestSphereNotTheOneOnTheHottestVoxel() {
        let centre = SIMD3(96.0, 96.0, 80.0)
        let hot = centre + SIMD3(8, 0, 0)
        let volume = Volume { point in
            if point == hot { return 12 }
            return Self.inside(point, centre: centre, radius: 10) ? 5 : 1
        }
        let focal = volume.focal()
        #expect(focal.candidates.count == 1)
        guard let lesion = focal.candidates.first else { return }
        #expect(lesion.suvMax == 12)
        // The sphere holds 19 voxel centres on this grid: the hot voxel and 18 of SUV 5.
        let expectedPeak: Double = (12 + 18 * 5) / 19
        #expect(abs(lesion.suvPeak - expectedPeak) < 1e-6)
        #expect(lesion.peakVoxel == [20, 25, 24], "one voxel (4 mm) from the centre towards the hot voxel")
        let brute = volume.bruteForcePeak(near: SIMD3(24, 24, 20), within: 3, above: 2.5)
        #expect(abs(lesion.suvPeak - brute.mean) < 1e-9)
        #expect(brute.voxel == SIMD3(25, 24, 20))
        // The sphere on the hottest voxel reaches outside the lesion: its mean is lower.
        let onHottest: Double = (12 + 13 * 5 + 5) / 19
        #expect(lesion.suvPeak > onHottest + 1)
    }

    /// The threshold follows the patient's background: the same sphere counts on a background of 0.5 but
    /// not on one of 1.5 (threshold 4.5), where it is no longer focal.
    @Test func thresholdIsReferencedToThePatientsBackground() {
        func focal(background: Float) -> FocalUptake {
            Volume { point in Self.inside(point, centre: SIMD3(96, 96, 80), radius: 10) ? 4 : background }.focal()
        }
        let low = focal(background: 0.5), high = focal(background: 1.5)
        #expect(low.candidates.count == 1 && low.thresholdSUV == 2.5)
        #expect(abs(high.thresholdSUV - 4.5) < 0.05)
        #expect(high.candidates.isEmpty)
    }
}
