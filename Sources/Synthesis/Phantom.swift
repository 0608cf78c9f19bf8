import Foundation

/// An ellipsoid in the phantom frame (millimetres): x across the body (left–right), y front to back,
/// z down the body from the top of the head. With lumps it is a star-shaped blob: its surface radius
/// in each direction is the ellipsoid's times 1 + Σ amplitude · exp(sharpness · (cos angle − 1)).
struct Ellipsoid: Sendable {
    var centre: SIMD3<Double>
    var semiAxes: SIMD3<Double>
    var lumps: [Lump] = []

    /// A bump (amplitude > 0) or dent (< 0) of the surface around a unit direction of the scaled frame.
    struct Lump: Sendable {
        var direction: SIMD3<Double>
        var amplitude: Double
        var sharpness: Double
    }

    /// The smallest and largest factor the lumps can apply to the surface radius.
    var radialBounds: (low: Double, high: Double) {
        let low = 1 + lumps.reduce(0) { $0 + min($1.amplitude, 0) }
        let high = 1 + lumps.reduce(0) { $0 + max($1.amplitude, 0) }
        return (max(low, 0.3), high)
    }

    /// Approximate signed distance from `offset` (relative to the centre) to the surface.
    @inline(__always)
    func signedDistance(_ offset: SIMD3<Double>) -> Double {
        guard !lumps.isEmpty else { return Blur.signedDistance(offset, semiAxes: semiAxes) }
        let scaled = offset / semiAxes
        let rho = (scaled * scaled).sum().squareRoot()
        guard rho > 1e-12 else { return -semiAxes.min() * radialBounds.low }
        let direction = scaled / rho
        var factor = 1.0
        for lump in lumps { factor += lump.amplitude * exp(lump.sharpness * ((direction * lump.direction).sum() - 1)) }
        factor = max(factor, 0.3)
        let distance = (offset * offset).sum().squareRoot()
        return distance * (1 - factor / rho)
    }
}

/// A region of uniform uptake (or attenuation), painted over what lies beneath it.
struct Region: Sendable {
    var name: String
    var shape: Ellipsoid
    /// SUV for PET.
    var suv: Double
    /// Hounsfield units for CT.
    var hounsfield: Double
}

/// A spherical lesion of uniform uptake; blurred by the scanner, so its peak is below its true SUV.
struct Lesion: Sendable {
    var site: String
    var centre: SIMD3<Double>
    var diameterMm: Double
    var suv: Double
    /// When set, `suv` is this multiple of the noiseless uptake around the centre without lesions (set
    /// once the centre is placed on a voxel).
    var contrast: Double?
    /// A necrotic core: a concentric sphere of this fraction of the diameter with `coreSUV` (with
    /// `contrast`, first a multiple of the surroundings too).
    var coreFraction: Double = 0
    var coreSUV: Double = 0
}

/// The body's outline: an ellipse in each transaxial plane whose size changes along z.
struct BodyOutline: Sendable {
    /// (z, half-width, half-depth) control points, linearly interpolated: head, neck, shoulders, chest,
    /// abdomen, pelvis. Adult proportions; scaled per study.
    static let controlPoints: [(z: Double, halfWidth: Double, halfDepth: Double)] = [
        (0, 8, 8), (25, 62, 75), (100, 76, 96), (190, 68, 88), (230, 52, 58), (270, 58, 62),
        (310, 175, 112), (450, 162, 116), (600, 150, 112), (760, 172, 112), (950, 165, 104),
    ]

    var scale: Double

    func halfAxes(atZ z: Double) -> (width: Double, depth: Double)? {
        let points = Self.controlPoints
        guard z >= points[0].z, z <= points[points.count - 1].z else { return nil }
        // A plain scan rather than firstIndex(where:): the warped family asks once per pixel.
        var upper = 0
        while upper < points.count - 1, points[upper].z < z { upper += 1 }
        let lower = max(upper - 1, 0)
        let span = points[upper].z - points[lower].z
        let t = span > 0 ? (z - points[lower].z) / span : 0
        let width = points[lower].halfWidth + t * (points[upper].halfWidth - points[lower].halfWidth)
        let depth = points[lower].halfDepth + t * (points[upper].halfDepth - points[lower].halfDepth)
        return (width * scale, depth * scale)
    }

    /// The outline where a warped point lands: below the upper thigh the body runs on out of the field of
    /// view (the thigh's section), above the head is air.
    func halfAxes(continuingBelowThighAtZ z: Double) -> (width: Double, depth: Double)? {
        halfAxes(atZ: min(z, Self.controlPoints[Self.controlPoints.count - 1].z))
    }
}

/// One study's anatomy and uptake: what the renderers draw and the ground truth records.
struct Phantom: Sendable {
    var body: BodyOutline
    var backgroundSUV: Double
    /// Painted in order: later regions cover earlier ones (the blood pool inside the myocardium).
    var regions: [Region]
    var lesions: [Lesion]
    /// The scanner's resolution for this study.
    var resolutionFWHMmm: Double = SynthesisOptions.petFWHMmm
    /// In-plane correlated noise (a reconstruction's blobby texture) instead of independent pixels.
    var correlatedNoise = false
    /// PET noise: standard deviation per √SUV, times `--noise`.
    var noiseAmplitude = 0.15
    /// The `warped` family: the body and every region are seen through this displacement; lesions are not.
    var warp: DisplacementField?
}

// MARK: - Blurred shapes

/// Smooth-edged shapes: a uniform object seen through a Gaussian point-spread function of width σ.
enum Blur {
    /// Fraction of a large uniform object seen at signed distance `d` from its surface (negative inside):
    /// the edge of a half-space blurred by a Gaussian, ½·erfc(d / (σ√2)).
    @inline(__always)
    static func edge(_ d: Double, sigma: Double) -> Double {
        if d <= -4 * sigma { return 1 }
        if d >= 4 * sigma { return 0 }
        return 0.5 * erfc(d / (sigma * 2.0.squareRoot()))
    }

    /// Approximate signed distance from `offset` (relative to the centre) to the ellipsoid's surface:
    /// exact for spheres, and along the ray from the centre for ellipsoids.
    @inline(__always)
    static func signedDistance(_ offset: SIMD3<Double>, semiAxes: SIMD3<Double>) -> Double {
        let scaled = offset / semiAxes
        let rho = (scaled * scaled).sum().squareRoot()
        let distance = (offset * offset).sum().squareRoot()
        guard rho > 1e-12 else { return -semiAxes.min() }
        return distance * (1 - 1 / rho)
    }

    /// Fraction of a uniform sphere of radius `R` seen at distance `r` from its centre through an
    /// isotropic 3-D Gaussian of width σ (the exact convolution of a ball with a Gaussian).
    static func sphere(radius R: Double, distance r: Double, sigma: Double) -> Double {
        let root2 = 2.0.squareRoot()
        if r < 1e-6 {
            return erf(R / (sigma * root2)) - (2 / Double.pi).squareRoot() * (R / sigma) * exp(-R * R / (2 * sigma * sigma))
        }
        let erfTerms = 0.5 * (erf((R - r) / (sigma * root2)) + erf((R + r) / (sigma * root2)))
        let gaussTerms = sigma / (r * (2 * Double.pi).squareRoot())
            * (exp(-(r - R) * (r - R) / (2 * sigma * sigma)) - exp(-(r + R) * (r + R) / (2 * sigma * sigma)))
        return erfTerms - gaussTerms
    }
}
