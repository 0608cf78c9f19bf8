import Testing
import TriageCore

@Suite struct HottestVoxelTests {
    /// The first voxel in reading order holding the greatest value that is neither NaN nor −∞, found
    /// with the standard library only.
    static func reference(_ volume: [Float], width: Int, height: Int) -> (value: Float, voxel: VoxelIndex)? {
        let plane = width * height
        guard let greatest = volume.filter({ !$0.isNaN && $0 > -.infinity }).max(),
              let index = volume.firstIndex(of: greatest) else { return nil }
        return (greatest, VoxelIndex(column: index % plane % width, row: index % plane / width, slice: index / plane))
    }

    static func voxelByVoxel(_ volume: [Float], width: Int, height: Int) -> HottestVoxel<Float> {
        var hottest = HottestVoxel<Float>()
        for (index, value) in volume.enumerated() {
            hottest.offer(value, column: index % (width * height) % width, row: index % (width * height) / width, slice: index / (width * height))
        }
        return hottest
    }

    static func rowByRow(_ volume: [Float], width: Int, height: Int) -> HottestVoxel<Float> {
        var hottest = HottestVoxel<Float>()
        volume.withUnsafeBufferPointer { values in
            for slice in 0..<volume.count / (width * height) {
                for row in 0..<height {
                    hottest.offer(row: values.baseAddress! + (slice * height + row) * width, columns: 0..<width, row: row, slice: slice)
                }
            }
        }
        return hottest
    }

    @Test func aTieGoesToTheFirstVoxelInReadingOrder() {
        // 3 columns × 2 rows × 2 slices; 7 at (column 2, row 0, slice 0), again in row 1 and in slice 1.
        let volume: [Float] = [1, 2, 7, 7, 0, 3, 7, 7, 7, 7, 7, 7]
        for hottest in [Self.voxelByVoxel(volume, width: 3, height: 2), Self.rowByRow(volume, width: 3, height: 2)] {
            #expect(hottest.value == 7 && hottest.voxel == VoxelIndex(column: 2, row: 0, slice: 0))
        }
    }

    @Test func nanIsNeverTheHottestAndNeitherIsMinusInfinity() {
        let volume: [Float] = [.nan, -.infinity, .nan, 0.5, .nan, -.infinity]
        for hottest in [Self.voxelByVoxel(volume, width: 2, height: 1), Self.rowByRow(volume, width: 2, height: 1)] {
            #expect(hottest.value == 0.5 && hottest.voxel == VoxelIndex(column: 1, row: 0, slice: 1))
        }
        for empty in [Self.voxelByVoxel([.nan, -.infinity], width: 2, height: 1), Self.rowByRow([.nan, -.infinity], width: 2, height: 1)] {
            #expect(empty.voxel == nil && empty.value == -.infinity)
        }
        #expect(HottestVoxel<Double>().voxel == nil)
    }

    @Test func negativeValuesHaveAHottestVoxel() {
        let volume: [Float] = [-5, -3, -4, -3, -9, -1000]
        let hottest = Self.rowByRow(volume, width: 3, height: 1)
        #expect(hottest.value == -3 && hottest.voxel == VoxelIndex(column: 1, row: 0, slice: 0))
        #expect(Self.voxelByVoxel(volume, width: 3, height: 1) == hottest)
    }

    @Test func aRowWithNothingHotterChangesNothing() {
        var hottest = HottestVoxel<Float>()
        let first = hottest.offer(4, column: 0, row: 0, slice: 0)
        let row: [Float] = [1, 4, .nan, 3]
        let fromRow = row.withUnsafeBufferPointer { hottest.offer(row: $0.baseAddress!, columns: 0..<4, row: 1, slice: 0) }
        let tie = hottest.offer(4, column: 3, row: 3, slice: 3)
        #expect(first && !fromRow && !tie)
        #expect(hottest.voxel == VoxelIndex(column: 0, row: 0, slice: 0))
        // Only part of a row is offered: column 0 (the 9) is outside the range.
        let partial: [Float] = [9, 5, 6, 6]
        let raised = partial.withUnsafeBufferPointer { hottest.offer(row: $0.baseAddress!, columns: 1..<4, row: 2, slice: 1) }
        #expect(raised && hottest.value == 6 && hottest.voxel == VoxelIndex(column: 2, row: 2, slice: 1))
    }

    @Test func mergeKeepsTheHotterAndThisOneOnATie() {
        var a = HottestVoxel<Double>(), b = HottestVoxel<Double>(), c = HottestVoxel<Double>()
        a.offer(2, column: 5, row: 0, slice: 9)
        b.offer(2, column: 0, row: 0, slice: 0)
        c.offer(3, column: 1, row: 1, slice: 1)
        var merged = a
        merged.merge(b)
        #expect(merged == a)
        merged.merge(c)
        #expect(merged == c)
        merged.merge(HottestVoxel())
        #expect(merged == c)
    }

    /// Random volumes with many ties, negative values, NaN and −∞, against the reference.
    @Test func agreesWithTheReferenceOnRandomVolumes() {
        var generator = SystemRandomNumberGenerator()
        let specials: [Float] = [.nan, -.infinity, -0.0, 0]
        for trial in 0..<200 {
            let (width, height, slices) = (Int.random(in: 1...9, using: &generator), Int.random(in: 1...5, using: &generator), Int.random(in: 1...4, using: &generator))
            let volume: [Float] = (0..<width * height * slices).map { _ in
                Int.random(in: 0..<5, using: &generator) == 0 ? specials.randomElement(using: &generator)!
                    : Float(Int.random(in: -6...(trial % 3 == 0 ? -1 : 6), using: &generator))
            }
            let expected = Self.reference(volume, width: width, height: height)
            for hottest in [Self.voxelByVoxel(volume, width: width, height: height), Self.rowByRow(volume, width: width, height: height)] {
                #expect(hottest.voxel == expected?.voxel, "\(volume) \(width)×\(height)")
                #expect(hottest.value == (expected?.value ?? -.infinity))
            }
        }
    }
}
