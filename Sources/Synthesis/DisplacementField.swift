import Foundation

/// A smooth random displacement of the anatomy (the `warped` family): a pixel at phantom point p shows
/// the anatomy at p + D(p), with D(p) = Σ aₖ · sin(kₖ · p + φₖ), a sum of plane waves of random
/// direction, wavelength, phase and vector amplitude. The ranges drawn are listed in Docs/Synthesis.md.
struct DisplacementField: Sendable {
    struct Mode: Sendable {
        /// 2π / wavelength times a unit direction.
        var wavevector: SIMD3<Double>
        var phase: Double
        /// Displacement (mm) where the wave's sine is 1.
        var amplitude: SIMD3<Double>
    }

    static let modeCount = 6...10
    static let wavelengthMm = 60.0...250.0
    static let maxDisplacementMm = 5.0...15.0
    /// Bound on the field's slope |∂D/∂p|: below 1 the warp is one-to-one (no fold), and the fixed-point
    /// iteration of `preimage(of:)` contracts by at least this factor per step.
    static let slopeLimit = 0.6

    let modes: [Mode]
    /// Σ |aₖ|: no point moves further than this (the triangle inequality), within `maxDisplacementMm`.
    let maxDisplacement: Double
    /// Σ |aₖ| per axis: no point moves further than this along x, y or z.
    let axisBounds: SIMD3<Double>

    /// Draws 6–10 modes. Amplitude lengths are proportional to weight · wavelength² (the long waves carry
    /// the displacement, the short ones the wrinkles) and sum to M, drawn 5–15 mm and lowered where
    /// needed so that the slope bound Σ |aₖ| · |kₖ| stays at `slopeLimit`. With wavelengths of 60 mm or
    /// more that bound allows at least 0.6 · 60 / 2π ≈ 5.7 mm, so M never leaves 5–15 mm.
    init(random: inout RandomSource) {
        let count = Int(random.uniform(Double(Self.modeCount.lowerBound)...(Double(Self.modeCount.upperBound) + 0.999)))
        var drawn: [(direction: SIMD3<Double>, wavelength: Double, phase: Double, amplitudeDirection: SIMD3<Double>, weight: Double)] = []
        for _ in 0..<count {
            drawn.append((Self.unitVector(&random), random.uniform(Self.wavelengthMm), random.uniform(0...(2 * Double.pi)),
                          Self.unitVector(&random), random.uniform(0.5...1)))
        }
        let lengthSum = drawn.reduce(0) { $0 + $1.weight * $1.wavelength * $1.wavelength }
        let slopePerMm = drawn.reduce(0) { $0 + $1.weight * $1.wavelength * 2 * Double.pi } / lengthSum
        let total = min(random.uniform(Self.maxDisplacementMm), Self.slopeLimit / slopePerMm)
        modes = drawn.map { mode in
            Mode(wavevector: mode.direction * (2 * Double.pi / mode.wavelength), phase: mode.phase,
                 amplitude: mode.amplitudeDirection * (total * mode.weight * mode.wavelength * mode.wavelength / lengthSum))
        }
        maxDisplacement = total
        axisBounds = modes.reduce(SIMD3<Double>()) { $0 + SIMD3(abs($1.amplitude.x), abs($1.amplitude.y), abs($1.amplitude.z)) }
    }

    private static func unitVector(_ random: inout RandomSource) -> SIMD3<Double> {
        // Rejection from the cube: uniform on the sphere.
        while true {
            let v = SIMD3(random.uniform(-1...1), random.uniform(-1...1), random.uniform(-1...1))
            let length = (v * v).sum().squareRoot()
            if length > 1e-3, length <= 1 { return v / length }
        }
    }

    /// The bound on the field's slope that the modes reach: Σ |aₖ| · |kₖ|.
    var slopeBound: Double {
        modes.reduce(0) { $0 + ($1.amplitude * $1.amplitude).sum().squareRoot() * ($1.wavevector * $1.wavevector).sum().squareRoot() }
    }

    func displacement(at point: SIMD3<Double>) -> SIMD3<Double> {
        modes.reduce(SIMD3<Double>()) { $0 + $1.amplitude * sin(($1.wavevector * point).sum() + $1.phase) }
    }

    /// The point that the warp maps onto `target`: c' with c' + D(c') = c, by the fixed-point iteration
    /// c' ← c − D(c'), which converges because D's slope is below 1.
    func preimage(of target: SIMD3<Double>) -> SIMD3<Double> {
        var point = target
        for _ in 0..<60 {
            let next = target - displacement(at: point)
            let step = next - point
            point = next
            if (step * step).sum() < 1e-24 { break }
        }
        return point
    }

    /// The anatomical point p + D(p) of every pixel of the slice at `z`. D is computed once per pixel
    /// through sin(α + β) = sin α cos β + cos α sin β, with α from the column and β from the row and
    /// slice, so that a slice costs 4 · modes · matrix sines instead of modes · matrix².
    func anatomicalSlice(z: Double, geometry: SliceGeometry) -> AnatomicalSlice {
        let n = geometry.matrix
        let count = modes.count
        var columnSine = [Double](repeating: 0, count: n * count), columnCosine = columnSine
        var rowSine = columnSine, rowCosine = columnSine
        for (k, mode) in modes.enumerated() {
            for i in 0..<n {
                let alpha = mode.wavevector.x * geometry.phantomXY(i)
                let beta = mode.wavevector.y * geometry.phantomXY(i) + mode.wavevector.z * z + mode.phase
                columnSine[i * count + k] = sin(alpha)
                columnCosine[i * count + k] = cos(alpha)
                rowSine[i * count + k] = sin(beta)
                rowCosine[i * count + k] = cos(beta)
            }
        }
        let (ax, ay, az) = (modes.map(\.amplitude.x), modes.map(\.amplitude.y), modes.map(\.amplitude.z))
        var slice = AnatomicalSlice(x: [], y: [], z: [])
        for coordinate in [\AnatomicalSlice.x, \.y, \.z] { slice[keyPath: coordinate].reserveCapacity(n * n) }
        for row in 0..<n {
            let y = geometry.phantomXY(row)
            for column in 0..<n {
                var (dx, dy, dz) = (0.0, 0.0, 0.0)
                for k in 0..<count {
                    let sine = columnSine[column * count + k] * rowCosine[row * count + k]
                        + columnCosine[column * count + k] * rowSine[row * count + k]
                    dx += ax[k] * sine
                    dy += ay[k] * sine
                    dz += az[k] * sine
                }
                slice.x.append(geometry.phantomXY(column) + dx)
                slice.y.append(y + dy)
                slice.z.append(z + dz)
            }
        }
        return slice
    }
}

/// The anatomical points p + D(p) of one slice's pixels, row-major, one array per coordinate.
struct AnatomicalSlice {
    var x: [Double]
    var y: [Double]
    var z: [Double]
}
