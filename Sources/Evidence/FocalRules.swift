import Foundation

/// The voxel moments of a hot region, in voxel indices, summed run by run in closed form.
struct RegionMoments {
    var count = 0.0
    var sum = SIMD3<Double>()       // x (column), y (row), z (slice)
    var squares = SIMD3<Double>()   // xx, yy, zz
    var cross = SIMD3<Double>()     // xy, xz, yz

    /// Adds the voxels `start..<end` of one row.
    mutating func add(row y: Int, slice z: Int, start: Int, end: Int) {
        let n = Double(end - start)
        let (fy, fz) = (Double(y), Double(z))
        // Σ x and Σ x² over start…end − 1.
        let sx = n * Double(start + end - 1) / 2
        func squaresUpTo(_ k: Int) -> Double { let k = Double(k); return k * (k + 1) * (2 * k + 1) / 6 }
        let sxx = squaresUpTo(end - 1) - squaresUpTo(start - 1)
        count += n
        sum += SIMD3(sx, fy * n, fz * n)
        squares += SIMD3(sxx, fy * fy * n, fz * fz * n)
        cross += SIMD3(fy * sx, fz * sx, fy * fz * n)
    }

    static func += (lhs: inout RegionMoments, rhs: RegionMoments) {
        lhs.count += rhs.count
        lhs.sum += rhs.sum
        lhs.squares += rhs.squares
        lhs.cross += rhs.cross
    }

    /// The centroid in millimetres.
    func centroidMm(spacing: SIMD3<Double>) -> SIMD3<Double> { count > 0 ? sum / count * spacing : .zero }

    /// The standard deviations along the region's principal axes, in millimetres, largest first; each
    /// voxel counts as a uniform box (its own extent adds spacing²/12 to each axis).
    func principalSpreadsMm(spacing: SIMD3<Double>) -> (Double, Double, Double) {
        guard count > 0 else { return (0, 0, 0) }
        let mean = sum / count
        let variance = squares / count - mean * mean
        let (s, c) = (spacing, cross / count)
        let a11 = variance.x * s.x * s.x + s.x * s.x / 12, a22 = variance.y * s.y * s.y + s.y * s.y / 12
        let a33 = variance.z * s.z * s.z + s.z * s.z / 12
        let a12 = (c.x - mean.x * mean.y) * s.x * s.y, a13 = (c.y - mean.x * mean.z) * s.x * s.z
        let a23 = (c.z - mean.y * mean.z) * s.y * s.z
        let e = Self.symmetricEigenvalues(a11, a22, a33, a12, a13, a23)
        return (max(e.0, 0).squareRoot(), max(e.1, 0).squareRoot(), max(e.2, 0).squareRoot())
    }

    /// Eigenvalues of a symmetric 3 × 3 matrix, largest first (the trigonometric closed form).
    static func symmetricEigenvalues(_ a11: Double, _ a22: Double, _ a33: Double, _ a12: Double, _ a13: Double, _ a23: Double)
        -> (Double, Double, Double) {
        let p1 = a12 * a12 + a13 * a13 + a23 * a23
        if p1 <= 1e-12 * (a11 * a11 + a22 * a22 + a33 * a33) {
            let sorted = [a11, a22, a33].sorted(by: >)
            return (sorted[0], sorted[1], sorted[2])
        }
        let q = (a11 + a22 + a33) / 3
        let p2 = (a11 - q) * (a11 - q) + (a22 - q) * (a22 - q) + (a33 - q) * (a33 - q) + 2 * p1
        let p = (p2 / 6).squareRoot()
        let (b11, b22, b33, b12, b13, b23) = ((a11 - q) / p, (a22 - q) / p, (a33 - q) / p, a12 / p, a13 / p, a23 / p)
        let determinant = b11 * (b22 * b33 - b23 * b23) - b12 * (b12 * b33 - b23 * b13) + b13 * (b12 * b23 - b22 * b13)
        let phi = acos(min(max(determinant / 2, -1), 1)) / 3
        let largest = q + 2 * p * cos(phi)
        let smallest = q + 2 * p * cos(phi + 2 * Double.pi / 3)
        return (largest, 3 * q - largest - smallest, smallest)
    }
}

/// The physiology rules of the focal baseline (Docs/FocalUptake.md), fixed from anatomy, not fitted.
enum FocalRules {
    /// A region whose spread along its long axis is this many times the next is a tube, not a lesion: a
    /// long-to-short axis ratio of 2 or more is the radiologist's sign of a benign (oval) node and of a
    /// vessel, ureter or bowel loop (Steinkamp et al., Br J Radiol 1995), and lesions are rounder.
    static let tubeSpreadRatio = 2.0
    /// ... when it is also at least this long (a uniform rod of length L spreads L / √12).
    static let tubeMinimumLengthMm = 30.0
    /// A region with more than this share of its voxels outside the trunk is in an arm (or a leg apart).
    static let outsideTrunkShare = 0.5
    /// Mirror partners: the mirrored centroid within this distance, both this far from the midline, and
    /// SUVpeaks and volumes within these factors of each other (a gland and its twin are alike in both).
    static let mirrorToleranceMm = 15.0
    static let mirrorMinimumOffsetMm = 10.0
    static let mirrorUptakeRatio = 2.0
    static let mirrorVolumeRatio = 3.0

    static func isTubular(_ spreads: (Double, Double, Double)) -> Bool {
        spreads.0 >= tubeSpreadRatio * spreads.1 && spreads.0 * 12.0.squareRoot() >= tubeMinimumLengthMm
    }

    /// Whether a and b (centroids in mm, x across the body) mirror each other about the midline x = m.
    static func mirror(_ a: SIMD3<Double>, _ b: SIMD3<Double>, midlineMm m: Double, peaks: (Double, Double), volumes: (Double, Double)) -> Bool {
        guard abs(a.x - m) >= mirrorMinimumOffsetMm, abs(b.x - m) >= mirrorMinimumOffsetMm, (a.x - m) * (b.x - m) < 0 else { return false }
        let mirrored = SIMD3(2 * m - b.x, b.y, b.z)
        let offset = a - mirrored
        func alike(_ pair: (Double, Double), within factor: Double) -> Bool {
            let (high, low) = (max(pair.0, pair.1), min(pair.0, pair.1))
            return low > 0 && high <= factor * low
        }
        return (offset * offset).sum() <= mirrorToleranceMm * mirrorToleranceMm && alike(peaks, within: mirrorUptakeRatio)
            && alike(volumes, within: mirrorVolumeRatio)
    }
}
