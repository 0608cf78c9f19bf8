/// Finds the liver from PET alone, as PERCIST's reference tissue: the largest region of homogeneous
/// uptake clearly warmer than the body's typical tissue, measured on a grid of about 3 cm cubes.
///
/// Every slice adds a sample of its voxels (about one every 6 mm along rows and columns: enough for a
/// mean and a spread) to the cubes of its slab; a finished slab keeps only each cube's count, sum and sum of squares, so memory
/// is a few numbers per 3 cm of body. At the end a cube counts as homogeneous tissue when it lies wholly
/// inside the body and its voxels vary little (coefficient of variation at most `maxVariation`: the liver's
/// voxels vary by about a tenth); such
/// cubes join their face neighbours of similar mean (within a factor `neighbourRatio`), and the largest
/// group whose mean is `minRatio`…`maxRatio` times the body's median is the liver. The liver is the
/// largest organ of moderate, even uptake; the bladder and a hot heart or brain are too hot for the
/// window, muscle and fat too cool, the spleen smaller. No group of `minCubes` cubes (about 80 mL): no
/// liver, and the caller falls back to the body's median.
struct LiverReference {
    static let cubeMm = 30.0
    static let maxVariation = 0.2
    static let neighbourRatio = 1.25
    static let minRatio = 1.4
    static let maxRatio = 6.0
    static let minCubes = 3

    struct Cube {
        var count = 0
        var sum = 0.0
        var squares = 0.0
        /// Sampled voxels, inside the body or not.
        var sampled = 0
    }

    /// The mean and voxel standard deviation of the liver's more even half (PERCIST's 3 cm region).
    struct Found: Equatable {
        var mean: Double
        var standardDeviation: Double
        var cubes: Int
    }

    let width: Int
    let height: Int
    let cubePixels: (columns: Int, rows: Int)
    let slicesPerSlab: Int
    let cubesAcross: Int
    let cubesDown: Int
    /// The cube column of each image column (no division per voxel).
    private let cubeOfColumn: [Int]
    private var slab: [Cube]
    private var slabs: [[Cube]] = []
    private var slicesInSlab = 0

    /// Voxels sampled along a row: every `columnStep`-th.
    let columnStep: Int

    init(width: Int, height: Int, columnSpacingMm: Double, rowSpacingMm: Double, sliceSpacingMm: Double, columnStep: Int) {
        self.width = width
        self.columnStep = columnStep
        self.height = height
        cubePixels = (max(2, Int((Self.cubeMm / columnSpacingMm).rounded())), max(2, Int((Self.cubeMm / rowSpacingMm).rounded())))
        slicesPerSlab = max(1, Int((Self.cubeMm / sliceSpacingMm).rounded()))
        cubesAcross = (width + cubePixels.columns - 1) / cubePixels.columns
        cubesDown = (height + cubePixels.rows - 1) / cubePixels.rows
        slab = [Cube](repeating: Cube(), count: cubesAcross * cubesDown)
        let columnsPerCube = cubePixels.columns
        cubeOfColumn = (0..<width).map { $0 / columnsPerCube }
    }

    /// The sampled voxels (every `columnStep`-th) of row `row` of the current slice.
    mutating func add(row: Int, values: UnsafePointer<Float>, bodyLevel: Float) {
        let first = (row / cubePixels.rows) * cubesAcross
        slab.withUnsafeMutableBufferPointer { cubes in
            for x in stride(from: 0, to: width, by: columnStep) {
                let index = first + cubeOfColumn[x]
                cubes[index].sampled += 1
                let value = values[x]
                guard value >= bodyLevel else { continue }
                let v = Double(value)
                cubes[index].count += 1
                cubes[index].sum += v
                cubes[index].squares += v * v
            }
        }
    }

    mutating func endSlice() {
        slicesInSlab += 1
        if slicesInSlab == slicesPerSlab { endSlab() }
    }

    private mutating func endSlab() {
        slabs.append(slab)
        for index in slab.indices { slab[index] = Cube() }
        slicesInSlab = 0
    }

    /// The liver's mean and voxel standard deviation, or nil when no region qualifies.
    func find(bodyMedian: Double) -> Found? {
        var all = slabs
        // A last slab of at least half the slices counts; a thinner one is too thin to be a cube.
        if 2 * slicesInSlab >= slicesPerSlab, slicesInSlab > 0 { all.append(slab) }
        guard !all.isEmpty, bodyMedian > 0 else { return nil }
        let perSlab = cubesAcross * cubesDown
        var even = [Bool](repeating: false, count: all.count * perSlab)
        var means = [Double](repeating: 0, count: all.count * perSlab)
        for (z, cubes) in all.enumerated() {
            for (index, cube) in cubes.enumerated() where cube.count >= 4 && cube.count == cube.sampled {
                let mean = cube.sum / Double(cube.count)
                let variance = max(cube.squares / Double(cube.count) - mean * mean, 0)
                means[z * perSlab + index] = mean
                even[z * perSlab + index] = mean > 0 && variance.squareRoot() <= Self.maxVariation * mean
            }
        }
        // Groups of face neighbours (a flood fill over the cube grid).
        var group = [Int](repeating: -1, count: even.count)
        var best: (cubes: [Int], mean: Double)?
        for seed in even.indices where even[seed] && group[seed] < 0 {
            var members = [seed], stack = [seed]
            group[seed] = seed
            while let cell = stack.popLast() {
                let z = cell / perSlab, y = (cell % perSlab) / cubesAcross, x = cell % cubesAcross
                for (dz, dy, dx) in [(-1, 0, 0), (1, 0, 0), (0, -1, 0), (0, 1, 0), (0, 0, -1), (0, 0, 1)] {
                    let (nz, ny, nx) = (z + dz, y + dy, x + dx)
                    guard nz >= 0, nz < all.count, ny >= 0, ny < cubesDown, nx >= 0, nx < cubesAcross else { continue }
                    let next = nz * perSlab + ny * cubesAcross + nx
                    guard even[next], group[next] < 0,
                          max(means[next], means[cell]) <= Self.neighbourRatio * min(means[next], means[cell]) else { continue }
                    group[next] = seed
                    members.append(next)
                    stack.append(next)
                }
            }
            let (count, sum) = members.reduce((0, 0.0)) { ($0.0 + all[$1 / perSlab][$1 % perSlab].count, $0.1 + all[$1 / perSlab][$1 % perSlab].sum) }
            let mean = sum / Double(count)
            guard members.count >= Self.minCubes, mean >= Self.minRatio * bodyMedian, mean <= Self.maxRatio * bodyMedian else { continue }
            if best == nil || members.count > best!.cubes.count { best = (members, mean) }
        }
        guard let best else { return nil }
        // PERCIST measures one 3 cm region placed where the liver is even: the more even half of the
        // group's cubes (a cube grazing the liver's edge, or holding a lesion or a vessel, varies more).
        func variation(_ cube: Cube) -> Double {
            let mean = cube.sum / Double(cube.count)
            return max(cube.squares / Double(cube.count) - mean * mean, 0).squareRoot() / mean
        }
        let cubes = best.cubes.map { all[$0 / perSlab][$0 % perSlab] }.sorted { variation($0) < variation($1) }
        let evenHalf = cubes.prefix(max(1, cubes.count / 2))
        let count = Double(evenHalf.reduce(0) { $0 + $1.count })
        let mean = evenHalf.reduce(0.0) { $0 + $1.sum } / count
        let squares = evenHalf.reduce(0.0) { $0 + $1.squares }
        return Found(mean: mean, standardDeviation: max(squares / count - mean * mean, 0).squareRoot(), cubes: cubes.count)
    }
}
