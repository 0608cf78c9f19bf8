import Foundation
import TriageCore

/// Where the pixels of one series sit in the phantom frame.
struct SliceGeometry: Sendable {
    let matrix: Int
    let pixelMm: Double
    let sliceCount: Int
    let sliceSpacingMm: Double

    init(matrix: Int, sliceCount: Int) {
        self.matrix = matrix
        self.pixelMm = SynthesisOptions.fieldOfViewMm / Double(matrix)
        self.sliceCount = sliceCount
        self.sliceSpacingMm = SynthesisOptions.axialExtentMm / Double(sliceCount)
    }

    /// Phantom x (or y) of a column (or row) centre: the body axis runs through the image centre.
    func phantomXY(_ index: Int) -> Double { (Double(index) - Double(matrix - 1) / 2) * pixelMm }
    /// Fractional column (or row) of a phantom x (or y).
    func pixel(_ phantom: Double) -> Double { phantom / pixelMm + Double(matrix - 1) / 2 }
    /// Phantom z of a slice centre: slices tile the axial extent from the top of the head.
    func phantomZ(_ slice: Int) -> Double { (Double(slice) + 0.5) * sliceSpacingMm }
    func slice(_ phantomZ: Double) -> Double { phantomZ / sliceSpacingMm - 0.5 }

    /// A phantom point in the image frame of the ground truth: millimetres from the centre of the first
    /// voxel of the first slice, x along columns, y along rows, z along slices.
    func imageFrame(_ point: SIMD3<Double>) -> PositionMm {
        PositionMm(x: pixel(point.x) * pixelMm, y: pixel(point.y) * pixelMm, z: slice(point.z) * sliceSpacingMm)
    }

    /// Moves a point to the nearest voxel centre, so that a lesion's peak is sampled exactly.
    func snapped(_ point: SIMD3<Double>) -> SIMD3<Double> {
        func clamp(_ value: Double, _ count: Int) -> Double { min(max(value.rounded(), 0), Double(count - 1)) }
        return SIMD3(phantomXY(Int(clamp(pixel(point.x), matrix))), phantomXY(Int(clamp(pixel(point.y), matrix))),
                     phantomZ(Int(clamp(slice(point.z), sliceCount))))
    }

    /// Pixel index range covering phantom coordinates centre ± half-width.
    func range(centre: Double, halfWidth: Double) -> ClosedRange<Int>? {
        let low = max(Int((pixel(centre - halfWidth)).rounded(.down)), 0)
        let high = min(Int((pixel(centre + halfWidth)).rounded(.up)), matrix - 1)
        return low <= high ? low...high : nil
    }
}

/// Draws one transaxial slice of a phantom: SUV for PET, Hounsfield units for CT.
struct PhantomRenderer: Sendable {
    enum Modality: Sendable { case pet, ct }

    let phantom: Phantom
    let geometry: SliceGeometry
    let modality: Modality
    /// Edge blur: the PET point-spread function, or a sub-millimetre CT edge.
    let sigma: Double

    init(phantom: Phantom, geometry: SliceGeometry, modality: Modality) {
        self.phantom = phantom
        self.geometry = geometry
        self.modality = modality
        self.sigma = modality == .pet ? phantom.resolutionFWHMmm / (8 * log(2.0)).squareRoot() : 0.6
    }

    private var outside: Double { modality == .pet ? 0 : -1000 }

    /// The noiseless values of slice `index`, row-major, written into `values` (resized to matrix²).
    func render(slice index: Int, into values: inout [Double]) {
        let n = geometry.matrix
        values.removeAll(keepingCapacity: true)
        values.append(contentsOf: repeatElement(outside, count: n * n))
        let z = geometry.phantomZ(index)
        if let warp = phantom.warp {
            let anatomy = warp.anatomicalSlice(z: z, geometry: geometry)
            paintBody(anatomy: anatomy, into: &values)
            for region in phantom.regions {
                paint(region.shape, value: regionValue(region), z: z, anatomy: anatomy, slack: warp.axisBounds, into: &values)
            }
        } else {
            paintBody(z: z, into: &values)
            for region in phantom.regions { paint(region.shape, value: regionValue(region), z: z, into: &values) }
        }
        for lesion in phantom.lesions {
            paint(lesion, z: z, into: &values)
            if let core = lesion.necroticCore { paint(core, z: z, into: &values) }
        }
    }

    /// The noiseless value at one phantom point (the ground truth's expected peak). With a warp the body
    /// and regions are evaluated at the anatomical point p + D(p), the lesions at p.
    func value(at point: SIMD3<Double>) -> Double {
        var value = outside
        let anatomy = phantom.warp.map { point + $0.displacement(at: point) } ?? point
        if phantom.warp != nil {
            value = blend(value, body, warpedBodyWeight(x: anatomy.x, y: anatomy.y, z: anatomy.z, outline: phantom.body))
        } else if let axes = phantom.body.halfAxes(atZ: point.z) {
            let d = Blur.signedDistance(SIMD3(point.x, point.y, 0), semiAxes: SIMD3(axes.width, axes.depth, 1))
            value = blend(value, body, Blur.edge(d, sigma: sigma))
        }
        for region in phantom.regions {
            let d = region.shape.signedDistance(anatomy - region.shape.centre)
            value = blend(value, regionValue(region), Blur.edge(d, sigma: sigma))
        }
        for lesion in phantom.lesions {
            let r = ((point - lesion.centre) * (point - lesion.centre)).sum().squareRoot()
            value = blend(value, lesionValue(lesion), lesionWeight(lesion, distance: r))
            if let core = lesion.necroticCore {
                value = blend(value, lesionValue(core), lesionWeight(core, distance: r))
            }
        }
        return value
    }

    private var body: Double { modality == .pet ? phantom.backgroundSUV : 40 }

    @inline(__always)
    private func blend(_ under: Double, _ over: Double, _ weight: Double) -> Double {
        under + (over - under) * weight
    }

    private func lesionValue(_ lesion: Lesion) -> Double { modality == .pet ? lesion.suv : 30 }

    private func regionValue(_ region: Region) -> Double { modality == .pet ? region.suv : region.hounsfield }

    private func lesionWeight(_ lesion: Lesion, distance r: Double) -> Double {
        let radius = lesion.diameterMm / 2
        if modality == .ct { return r <= radius ? 1 : 0 }
        return r > radius + 4 * sigma ? 0 : Blur.sphere(radius: radius, distance: r, sigma: sigma)
    }

    /// The body outline is an ellipse in this plane: an ellipsoid centred on the slice.
    private func paintBody(z: Double, into values: inout [Double]) {
        guard let axes = phantom.body.halfAxes(atZ: z) else { return }
        paint(Ellipsoid(centre: SIMD3(0, 0, z), semiAxes: SIMD3(axes.width, axes.depth, 1)), value: body, z: z, into: &values)
    }

    /// The squared normalised radii ρ² inside which a shape's blurred value is its own and outside which
    /// it is nothing: the signed distance lies between (ρ − 1)·min axis and (ρ − 1)·max axis.
    private func band(_ shape: Ellipsoid) -> (innerSquared: Double, outerSquared: Double) {
        let margin = 4 * sigma
        let minAxis = shape.semiAxes.min()
        let bounds = shape.radialBounds
        let inner = max(1 - margin / (minAxis * bounds.low), 0) * bounds.low
        let outer = (1 + margin / (minAxis * bounds.low)) * bounds.high
        return (inner * inner, outer * outer)
    }

    /// Paints a blurred ellipsoid. Most pixels are far inside or far outside the edge, which the
    /// normalised radius ρ alone decides (`band`); only pixels in the blurred band pay for square roots
    /// and erfc.
    private func paint(_ shape: Ellipsoid, value: Double, z: Double, into values: inout [Double]) {
        let margin = 4 * sigma
        let reach = shape.semiAxes * shape.radialBounds.high
        guard abs(z - shape.centre.z) < reach.z + margin,
              let columns = geometry.range(centre: shape.centre.x, halfWidth: reach.x + margin),
              let rows = geometry.range(centre: shape.centre.y, halfWidth: reach.y + margin) else { return }
        let n = geometry.matrix
        let (innerSquared, outerSquared) = band(shape)
        let dz = (z - shape.centre.z) / shape.semiAxes.z
        for row in rows {
            let dy = (geometry.phantomXY(row) - shape.centre.y) / shape.semiAxes.y
            let partial = dy * dy + dz * dz
            for column in columns {
                let dx = (geometry.phantomXY(column) - shape.centre.x) / shape.semiAxes.x
                let rhoSquared = dx * dx + partial
                let index = row * n + column
                if rhoSquared >= outerSquared { continue }
                if rhoSquared <= innerSquared {
                    values[index] = value
                    continue
                }
                let offset = SIMD3(dx, dy, dz) * shape.semiAxes
                let d = shape.signedDistance(offset)
                values[index] = blend(values[index], value, Blur.edge(d, sigma: sigma))
            }
        }
    }

    /// Paints a blurred ellipsoid seen through the warp: pixel p shows the shape at its anatomical point
    /// q = p + D(p). q lies within `slack` (the field's largest displacement per axis) of p, so the
    /// bounding box grows by it; ρ at q is no longer a per-row sum, so every pixel in the box computes it,
    /// and the `band` shortcuts hold at q as they do without the warp.
    private func paint(_ shape: Ellipsoid, value: Double, z: Double, anatomy: AnatomicalSlice, slack: SIMD3<Double>,
                       into values: inout [Double]) {
        let reach = shape.semiAxes * shape.radialBounds.high + 4 * sigma + slack
        guard abs(z - shape.centre.z) < reach.z,
              let columns = geometry.range(centre: shape.centre.x, halfWidth: reach.x),
              let rows = geometry.range(centre: shape.centre.y, halfWidth: reach.y) else { return }
        let n = geometry.matrix
        let (innerSquared, outerSquared) = band(shape)
        let (centre, axes) = (shape.centre, shape.semiAxes)
        for row in rows {
            for column in columns {
                let index = row * n + column
                // Scalar arithmetic: SIMD3 per pixel costs calls in debug builds.
                let (ox, oy, oz) = (anatomy.x[index] - centre.x, anatomy.y[index] - centre.y, anatomy.z[index] - centre.z)
                let (sx, sy, sz) = (ox / axes.x, oy / axes.y, oz / axes.z)
                let rhoSquared = sx * sx + sy * sy + sz * sz
                if rhoSquared >= outerSquared { continue }
                if rhoSquared <= innerSquared {
                    values[index] = value
                    continue
                }
                values[index] = blend(values[index], value, Blur.edge(shape.signedDistance(SIMD3(ox, oy, oz)), sigma: sigma))
            }
        }
    }

    /// The body outline seen through the warp: its section depends on each pixel's anatomical z, so no
    /// slice-wide ellipse bounds it and every pixel is evaluated exactly, as `value(at:)` does.
    private func paintBody(anatomy: AnatomicalSlice, into values: inout [Double]) {
        let (outline, value) = (phantom.body, body)
        for index in values.indices {
            let weight = warpedBodyWeight(x: anatomy.x[index], y: anatomy.y[index], z: anatomy.z[index], outline: outline)
            if weight > 0 { values[index] = blend(values[index], value, weight) }
        }
    }

    /// The blurred body outline's weight at an anatomical point of a warped phantom: the section's
    /// signed distance lies between (ρ − 1)·min and (ρ − 1)·max half-axis, so ρ alone decides the pixels
    /// beyond the blurred band, as in `band`.
    @inline(__always)
    private func warpedBodyWeight(x: Double, y: Double, z: Double, outline: BodyOutline) -> Double {
        guard let axes = outline.halfAxes(continuingBelowThighAtZ: z) else { return 0 }
        let (sx, sy) = (x / axes.width, y / axes.depth)
        let rhoSquared = sx * sx + sy * sy
        let margin = 4 * sigma / min(axes.width, axes.depth)
        if rhoSquared >= (1 + margin) * (1 + margin) { return 0 }
        if margin < 1, rhoSquared <= (1 - margin) * (1 - margin) { return 1 }
        return Blur.edge(Blur.signedDistance(SIMD3(x, y, 0), semiAxes: SIMD3(axes.width, axes.depth, 1)), sigma: sigma)
    }

    private func paint(_ lesion: Lesion, z: Double, into values: inout [Double]) {
        let reach = lesion.diameterMm / 2 + 4 * sigma
        guard abs(z - lesion.centre.z) < reach,
              let columns = geometry.range(centre: lesion.centre.x, halfWidth: reach),
              let rows = geometry.range(centre: lesion.centre.y, halfWidth: reach) else { return }
        let n = geometry.matrix
        for row in rows {
            for column in columns {
                let offset = SIMD3(geometry.phantomXY(column), geometry.phantomXY(row), z) - lesion.centre
                let weight = lesionWeight(lesion, distance: (offset * offset).sum().squareRoot())
                if weight > 0 { values[row * n + column] = blend(values[row * n + column], lesionValue(lesion), weight) }
            }
        }
    }
}

extension Lesion {
    /// The necrotic core as a lesion of its own, painted over the lesion.
    var necroticCore: Lesion? {
        guard coreFraction > 0 else { return nil }
        return Lesion(site: site, centre: centre, diameterMm: diameterMm * coreFraction, suv: coreSUV)
    }
}
