/// One slice, smoothed over 3 × 3 pixels (at the edges, the mean of the pixels inside the image) and
/// reduced to two bit masks: inside the body (at or above `bodyLevel`) and hot (at or above `hotLevel`).
/// Labelling then walks runs of set bits a word at a time instead of testing every pixel.
struct SliceMasks {
    let width: Int
    let height: Int
    let wordsPerRow: Int
    private(set) var body: [UInt64]
    private(set) var hot: [UInt64]
    private var rowMeans: [Float]
    private var line: [Float]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        wordsPerRow = (width + 63) / 64
        body = [UInt64](repeating: 0, count: wordsPerRow * height)
        hot = body
        rowMeans = [Float](repeating: 0, count: width * height)
        // Padded to whole words so that the compares need no tail loop.
        line = [Float](repeating: 0, count: wordsPerRow * 64)
    }

    mutating func update(_ suv: UnsafeBufferPointer<Float>, bodyLevel: Float, hotLevel: Float) {
        let (w, h, words) = (width, height, wordsPerRow)
        let third: Float = 1 / 3
        rowMeans.withUnsafeMutableBufferPointer { rows in
            for y in 0..<h {
                let input = suv.baseAddress! + y * w, out = rows.baseAddress! + y * w
                if w == 1 { out[0] = input[0]; continue }
                out[0] = (input[0] + input[1]) / 2
                out[w - 1] = (input[w - 2] + input[w - 1]) / 2
                if w > 2 { for x in 1..<(w - 1) { out[x] = (input[x - 1] + input[x] + input[x + 1]) * third } }
            }
            line.withUnsafeMutableBufferPointer { line in
                body.withUnsafeMutableBufferPointer { body in
                    hot.withUnsafeMutableBufferPointer { hot in
                        let out = line.baseAddress!
                        for y in 0..<h {
                            let low = max(y - 1, 0), high = min(y + 1, h - 1)
                            let scale = 1 / Float(high - low + 1)
                            let first = rows.baseAddress! + low * w, middle = rows.baseAddress! + y * w, last = rows.baseAddress! + high * w
                            if high == low {
                                out.update(from: first, count: w)
                            } else if high - low == 2 {
                                for x in 0..<w { out[x] = (first[x] + middle[x] + last[x]) * scale }
                            } else {
                                for x in 0..<w { out[x] = (first[x] + last[x]) * scale }
                            }
                            Self.pack(out, count: w, words: words, level: bodyLevel, into: body.baseAddress! + y * words)
                            Self.pack(out, count: w, words: words, level: hotLevel, into: hot.baseAddress! + y * words)
                        }
                    }
                }
            }
        }
    }

    /// Bit x of the row's words is set when value x is at or above the level (bits past `count` clear).
    @inline(__always)
    private static func pack(_ values: UnsafeMutablePointer<Float>, count: Int, words: Int, level: Float,
                             into out: UnsafeMutablePointer<UInt64>) {
        let limit = SIMD8<Float>(repeating: level)
        let weights = SIMD8<UInt32>(1, 2, 4, 8, 16, 32, 64, 128)
        for word in 0..<words {
            var bits: UInt64 = 0
            for chunk in 0..<8 {
                let v = UnsafeRawPointer(values + word * 64 + chunk * 8).loadUnaligned(as: SIMD8<Float>.self)
                let set = unsafeBitCast(v .>= limit, to: SIMD8<UInt32>.self) & weights
                bits |= UInt64(set.wrappedSum()) << UInt64(chunk * 8)
            }
            let valid = count - word * 64
            if valid < 64 { bits &= (1 << UInt64(valid)) - 1 }
            out[word] = bits
        }
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
    private var parent: [Int] = []
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
        parent.removeAll(keepingCapacity: true)
        var previousStart = 0
        for y in 0..<masks.height {
            let rowStart = runs.count
            masks.appendRuns(of: .body, row: y, to: &rows)
            for range in rows {
                var label = -1
                for index in previousStart..<rowStart where runs[index].start < range.upperBound && range.lowerBound < runs[index].end {
                    let other = find(runs[index].label)
                    if label < 0 { label = other } else if other != label { parent[max(other, label)] = min(other, label); label = min(other, label) }
                }
                if label < 0 { label = parent.count; parent.append(label) }
                runs.append((y, range.lowerBound, range.upperBound, label))
            }
            previousStart = rowStart
        }
        area.removeAll(keepingCapacity: true)
        area.append(contentsOf: repeatElement(0, count: parent.count))
        columnSum.removeAll(keepingCapacity: true)
        columnSum.append(contentsOf: repeatElement(0, count: parent.count))
        for index in runs.indices {
            let root = find(runs[index].label)
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

    private mutating func find(_ label: Int) -> Int {
        var root = label
        while parent[root] != root { root = parent[root] }
        var node = label
        while parent[node] != root {
            let next = parent[node]
            parent[node] = root
            node = next
        }
        return root
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
