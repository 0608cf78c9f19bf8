import Foundation
/// The slices of one series in order along the normal of their ImageOrientationPatient (from the end
/// the normal points to: head first for axial slices), with the spacing their ImagePositionPatient
/// values give and what is wrong with them.
public struct SeriesGeometry: Sendable {
    public enum Finding: Sendable, Equatable, CustomStringConvertible {
        /// Some slices have no (or an unreadable) ImagePositionPatient or ImageOrientationPatient:
        /// the series is in InstanceNumber order and its spacing is its SliceThickness.
        case missingPositions(count: Int)
        /// The slices are not all parallel: there is no one volume.
        case mixedOrientations
        /// Slices at the same position (after a dynamic series has been split into frames).
        case duplicatePositions(count: Int, firstMm: Double)
        /// Steps between neighbours more than half again the typical step.
        case gaps(count: Int, largestMm: Double, typicalMm: Double)
        /// Steps that vary by more than 1 % of the typical step, without a gap.
        case irregularSpacing(minimumMm: Double, maximumMm: Double)
        /// SliceThickness differs from the spacing by more than 10 % (overlapping or sparse slices).
        case thicknessDiffers(thicknessMm: Double, spacingMm: Double)

        /// A finding after which the slices do not form one volume.
        public var isFatal: Bool {
            switch self {
            case .mixedOrientations, .duplicatePositions: true
            default: false
            }
        }

        public var description: String {
            switch self {
            case .missingPositions(let count):
                "\(count) slice(s) lack a readable ImagePositionPatient (0020,0032) or ImageOrientationPatient (0020,0037): ordered by InstanceNumber, spacing from SliceThickness"
            case .mixedOrientations:
                "slices have different ImageOrientationPatient (0020,0037): not one volume"
            case .duplicatePositions(let count, let first):
                "\(count) slice(s) share a position along the slice normal with another (first at \(Self.mm(first))): duplicates or more than one volume"
            case .gaps(let count, let largest, let typical):
                "\(count) gap(s) between slices, the largest \(Self.mm(largest)) where the spacing is \(Self.mm(typical)): slices missing"
            case .irregularSpacing(let minimum, let maximum):
                "slice spacing varies from \(Self.mm(minimum)) to \(Self.mm(maximum))"
            case .thicknessDiffers(let thickness, let spacing):
                "SliceThickness (0018,0050) \(Self.mm(thickness)) differs from the spacing of the positions, \(Self.mm(spacing)); the spacing is used"
            }
        }

        private static func mm(_ value: Double) -> String {
            let rounded = (value * 1000).rounded() / 1000
            return "\(rounded) mm"
        }
    }

    /// Indices into the instances given, in reading order.
    public let order: [Int]
    /// Each ordered slice's position along the normal, in mm (empty without positions).
    public let positionsMm: [Double]
    /// Centre-to-centre distance of adjacent slices: the median step, or the thickness without positions.
    public let spacingMm: Double?
    public let findings: [Finding]

    public var isVolume: Bool { !findings.contains(where: \.isFatal) }

    public init(_ instances: [DICOMInstance]) {
        let thickness = instances.compactMap(\.sliceThickness).first
        let orientations = instances.map { $0.imageOrientation.flatMap(Self.unitAxes) }
        let positions = instances.map { $0.imagePosition?.count == 3 ? $0.imagePosition : nil }
        let missing = zip(orientations, positions).filter { $0 == nil || $1 == nil }.count
        if missing > 0 || instances.isEmpty {
            order = instances.indices.sorted { Self.instanceOrder(instances[$0], instances[$1]) }
            positionsMm = []
            spacingMm = thickness
            findings = instances.isEmpty ? [] : [.missingPositions(count: missing)]
            return
        }
        let axes = orientations.map { $0! }
        var findings: [Finding] = []
        let reference = axes[0]
        if axes.contains(where: { axis in zip(axis, reference).contains { abs($0 - $1) > 1e-3 } }) {
            findings.append(.mixedOrientations)
        }
        let normal = Self.cross(Array(reference[0..<3]), Array(reference[3..<6]))
        let distances = positions.map { position in zip(position!, normal).reduce(0) { $0 + $1.0 * $1.1 } }
        let ascending = instances.indices.sorted {
            distances[$0] != distances[$1] ? distances[$0] < distances[$1] : Self.instanceOrder(instances[$0], instances[$1])
        }
        // Read from the far end of the normal: for axial slices (normal towards the head in LPS) head first,
        // as PET is read and as the PNG studies list their slices.
        order = ascending.reversed()
        positionsMm = order.map { distances[$0] }
        let sortedPositions = ascending.map { distances[$0] }
        let steps = zip(sortedPositions.dropFirst(), sortedPositions).map { $0 - $1 }
        let duplicates = steps.filter { $0 < 1e-3 }.count
        if duplicates > 0, let first = zip(steps, sortedPositions).first(where: { $0.0 < 1e-3 })?.1 {
            findings.append(.duplicatePositions(count: duplicates, firstMm: first))
        }
        let distinct = steps.filter { $0 >= 1e-3 }.sorted()
        let typical = distinct.isEmpty ? nil : distinct[distinct.count / 2]
        spacingMm = typical ?? thickness
        if let typical, let smallest = distinct.first, let largest = distinct.last {
            let gaps = distinct.filter { $0 > 1.5 * typical }
            if !gaps.isEmpty {
                findings.append(.gaps(count: gaps.count, largestMm: largest, typicalMm: typical))
            } else if largest - smallest > 0.01 * typical {
                findings.append(.irregularSpacing(minimumMm: smallest, maximumMm: largest))
            }
            if let thickness, abs(thickness - typical) > 0.1 * typical {
                findings.append(.thicknessDiffers(thicknessMm: thickness, spacingMm: typical))
            }
        }
        self.findings = findings
    }

    /// Row and column direction cosines, each normalised; nil unless six finite values of two non-parallel axes.
    private static func unitAxes(_ values: [Double]) -> [Double]? {
        guard values.count == 6, values.allSatisfy(\.isFinite) else { return nil }
        let row = Array(values[0..<3]), column = Array(values[3..<6])
        let rowLength = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let columnLength = column.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard rowLength > 0.5, columnLength > 0.5 else { return nil }
        let unit = row.map { $0 / rowLength } + column.map { $0 / columnLength }
        let normal = cross(Array(unit[0..<3]), Array(unit[3..<6]))
        guard normal.reduce(0, { $0 + $1 * $1 }) > 0.25 else { return nil }
        return unit
    }

    private static func cross(_ a: [Double], _ b: [Double]) -> [Double] {
        [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    }

    /// InstanceNumber, then the file path and frame: deterministic whatever order the files were listed in.
    private static func instanceOrder(_ a: DICOMInstance, _ b: DICOMInstance) -> Bool {
        switch (a.instanceNumber, b.instanceNumber) {
        case let (x?, y?) where x != y: x < y
        case (_?, nil): true
        case (nil, _?): false
        default: (a.url.path, a.frame) < (b.url.path, b.frame)
        }
    }
}
