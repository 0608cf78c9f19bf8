/// One slice, smoothed over 3 × 3 pixels (at the edges, the mean of the pixels inside the image) and
/// reduced to two bit masks: inside the body (at or above `bodyLevel`) and hot (at or above `hotLevel`).
/// Labelling then walks runs of set bits a word at a time instead of testing every pixel.
struct SliceMasks {
    let width: Int
    let height: Int
    let wordsPerRow: Int
    private(set) var body: [UInt64]
    private(set) var hot: [UInt64]
    /// Three rows of 3-pixel means and a row of zeros, each padded to whole words (the padding stays
    /// zero), so that the column means need no tail loop; three rows stay in the first-level cache.
    private var rowMeans: [Float]
    private var stride: Int { wordsPerRow * 64 }

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        wordsPerRow = (width + 63) / 64
        body = [UInt64](repeating: 0, count: wordsPerRow * height)
        hot = body
        rowMeans = [Float](repeating: 0, count: wordsPerRow * 64 * 4)
    }

    mutating func update(_ suv: UnsafeBufferPointer<Float>, bodyLevel: Float, hotLevel: Float) {
        let (w, h, words, stride) = (width, height, wordsPerRow, self.stride)
        rowMeans.withUnsafeMutableBufferPointer { rows in
            body.withUnsafeMutableBufferPointer { body in
                hot.withUnsafeMutableBufferPointer { hot in
                    let rows = rows.baseAddress!, zero = rows + 3 * stride
                    Self.rowMean(suv.baseAddress!, width: w, into: rows)
                    for y in 0..<h {
                        if y + 1 < h { Self.rowMean(suv.baseAddress! + (y + 1) * w, width: w, into: rows + ((y + 1) % 3) * stride) }
                        // The rows inside the image, a row of zeros for one that is not, and their count.
                        let above = y > 0 ? rows + ((y - 1) % 3) * stride : zero
                        let below = y + 1 < h ? rows + ((y + 1) % 3) * stride : zero
                        let scale = 1 / Float(1 + (y > 0 ? 1 : 0) + (y + 1 < h ? 1 : 0))
                        Self.pack(above, rows + (y % 3) * stride, below, scale: scale, count: w, words: words, levels: (bodyLevel, hotLevel),
                                  into: (body.baseAddress! + y * words, hot.baseAddress! + y * words))
                    }
                }
            }
        }
    }

    /// The mean of each pixel and its neighbours in the row (at the ends, of the two inside the image).
    @inline(__always)
    private static func rowMean(_ input: UnsafePointer<Float>, width w: Int, into out: UnsafeMutablePointer<Float>) {
        if w == 1 { out[0] = input[0]; return }
        out[0] = (input[0] + input[1]) / 2
        out[w - 1] = (input[w - 2] + input[w - 1]) / 2
        let third = SIMD8<Float>(repeating: 1 / 3)
        var x = 1
        while x + 9 <= w {
            let left = UnsafeRawPointer(input + x - 1).loadUnaligned(as: SIMD8<Float>.self)
            let centre = UnsafeRawPointer(input + x).loadUnaligned(as: SIMD8<Float>.self)
            let right = UnsafeRawPointer(input + x + 1).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(out + x).storeBytes(of: (left + centre + right) * third, as: SIMD8<Float>.self)
            x += 8
        }
        while x < w - 1 {
            out[x] = (input[x - 1] + input[x] + input[x + 1]) * (1 / 3)
            x += 1
        }
    }

    /// The column means of three rows, compared with both levels: bit x of a row's words is set when
    /// value x is at or above the level (bits past `count` clear), eight values at a time.
    @inline(__always)
    private static func pack(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>, scale: Float, count: Int,
                             words: Int, levels: (body: Float, hot: Float), into out: (body: UnsafeMutablePointer<UInt64>, hot: UnsafeMutablePointer<UInt64>)) {
        let (bodyLimit, hotLimit) = (SIMD8<Float>(repeating: levels.body), SIMD8<Float>(repeating: levels.hot))
        let factor = SIMD8<Float>(repeating: scale)
        for word in 0..<words {
            var (bodyBits, hotBits): (UInt64, UInt64) = (0, 0)
            for chunk in 0..<8 {
                let x = word * 64 + chunk * 8
                let v = (UnsafeRawPointer(a + x).loadUnaligned(as: SIMD8<Float>.self) + UnsafeRawPointer(b + x).loadUnaligned(as: SIMD8<Float>.self)
                    + UnsafeRawPointer(c + x).loadUnaligned(as: SIMD8<Float>.self)) * factor
                bodyBits |= bits(v .>= bodyLimit) << UInt64(chunk * 8)
                hotBits |= bits(v .>= hotLimit) << UInt64(chunk * 8)
            }
            let valid = count - word * 64
            let keep: UInt64 = valid < 64 ? (1 << UInt64(valid)) - 1 : ~0
            out.body[word] = bodyBits & keep
            out.hot[word] = hotBits & keep
        }
    }

    /// Lane i's truth as bit i (x86's movemask, which Swift does not name): each lane narrowed to a
    /// byte of all ones or zeros, then the bytes' top bits gathered into the top byte by one multiply.
    @inline(__always)
    static func bits(_ mask: SIMDMask<SIMD8<Int32>>) -> UInt64 {
        let bytes = SIMD8<UInt8>(truncatingIfNeeded: unsafeBitCast(mask, to: SIMD8<Int32>.self))
        let word = unsafeBitCast(bytes, to: UInt64.self) & 0x8080_8080_8080_8080
        return (word &* 0x0002_0408_1020_4081) >> 56
    }

    enum Mask { case body, hot }

    /// Replaces `runs` by the runs of set bits of row `y` of the mask, left to right.
    func appendRuns(of which: Mask, row y: Int, to runs: inout [Range<Int>]) {
        runs.removeAll(keepingCapacity: true)
        let mask = which == .body ? body : hot
        let base = y * wordsPerRow
        var word = 0
        var bits = mask[base]
        while true {
            while bits == 0 {
                word += 1
                guard word < wordsPerRow else { return }
                bits = mask[base + word]
            }
            let start = word * 64 + bits.trailingZeroBitCount
            // The run ends at the first clear bit at or after its start.
            var clear = ~mask[base + word] & (~0 << UInt64(start - word * 64))
            while clear == 0 {
                word += 1
                guard word < wordsPerRow else { break }
                clear = ~mask[base + word]
            }
            let end = word < wordsPerRow ? min(word * 64 + clear.trailingZeroBitCount, width) : width
            runs.append(start..<end)
            guard end < width else { return }
            word = end / 64
            bits = mask[base + word] & (~0 << UInt64(end % 64))
        }
    }
}

/// The trunk's outline in the current slice: the body's connected outlines (4-connected runs of the
/// body mask), of which the largest and any of at least `FocalUptakeFinder.trunkAreaShare` of its area
/// are trunk; a pixel is inside the trunk when it lies between the trunk's first and last pixel of its
/// row (so that the lungs, colder than the body level, count as inside). Arms are the smaller outlines
/// beside it. The trunk's mean column over all slices is the body's midline.
struct TrunkOutline {
    private var spans: [Range<Int>]
    private var runs: [(row: Int, start: Int, end: Int, label: Int)] = []
    private var labels = LabelSets()
    private var area: [Int] = []
    private var columnSum: [Double] = []
    private var midlineSum = 0.0
    private var midlineArea = 0.0

    init(height: Int) {
        spans = Array(repeating: 0..<0, count: height)
    }

    func span(row: Int) -> Range<Int> { spans[row] }

    /// The trunk's mean column over the slices seen (nil before any body).
    var midlineColumn: Double? { midlineArea > 0 ? midlineSum / midlineArea : nil }

    mutating func update(_ masks: SliceMasks, rows: inout [Range<Int>]) {
        runs.removeAll(keepingCapacity: true)
        labels.removeAll()
        var previousStart = 0
        for y in 0..<masks.height {
            let rowStart = runs.count
            masks.appendRuns(of: .body, row: y, to: &rows)
            for range in rows {
                var label = -1
                for index in previousStart..<rowStart where runs[index].start < range.upperBound && range.lowerBound < runs[index].end {
                    let other = labels.root(of: runs[index].label)
                    if label < 0 { label = other } else if other != label { labels.attach(max(other, label), to: min(other, label)); label = min(other, label) }
                }
                if label < 0 { label = labels.makeLabel() }
                runs.append((y, range.lowerBound, range.upperBound, label))
            }
            previousStart = rowStart
        }
        area.removeAll(keepingCapacity: true)
        area.append(contentsOf: repeatElement(0, count: labels.count))
        columnSum.removeAll(keepingCapacity: true)
        columnSum.append(contentsOf: repeatElement(0, count: labels.count))
        for index in runs.indices {
            let root = labels.root(of: runs[index].label)
            runs[index].label = root
            let (start, end) = (runs[index].start, runs[index].end)
            area[root] += end - start
            columnSum[root] += Double(end - start) * Double(start + end - 1) / 2
        }
        for row in spans.indices { spans[row] = 0..<0 }
        guard let largest = area.max(), largest > 0 else { return }
        let least = Int((FocalUptakeFinder.trunkAreaShare * Double(largest)).rounded(.up))
        for run in runs where area[run.label] >= least {
            let span = spans[run.row]
            spans[run.row] = span.isEmpty ? run.start..<run.end : min(span.lowerBound, run.start)..<max(span.upperBound, run.end)
        }
        for root in area.indices where area[root] >= least {
            midlineSum += columnSum[root]
            midlineArea += Double(area[root])
        }
    }
}

/// The last few SUV slices, each at a fixed place in one allocation, so that the sphere sums read them
/// through plain pointers. Shared between copies until one of them adds a slice (copy on write).
final class SliceRing {
    let plane: Int
    let count: Int
    private let storage: UnsafeMutablePointer<Float>

    init(plane: Int, count: Int) {
        self.plane = plane
        self.count = count
        storage = .allocate(capacity: plane * count)
        storage.initialize(repeating: 0, count: plane * count)
    }

    deinit { storage.deallocate() }

    func copy() -> SliceRing {
        let other = SliceRing(plane: plane, count: count)
        other.storage.update(from: storage, count: plane * count)
        return other
    }

    /// Slice `index`'s values (its slot: index modulo the ring size).
    func slice(_ index: Int) -> UnsafeMutablePointer<Float> { storage + (index % count) * plane }
}
