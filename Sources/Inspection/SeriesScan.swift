import Foundation
import SliceCodec
import TriageCore

/// What one slice held: its size and its extreme stored values with their positions, or why it
/// could not be read. Enough for the value ranges and SUVmax without keeping any pixels.
struct SliceSummary: Sendable {
    var width: Int
    var height: Int
    var bitDepth: Int
    var minimum: UInt16
    var maximum: UInt16
    /// Row-major pixel index of the first minimum and maximum.
    var minimumIndex: Int
    var maximumIndex: Int
}

/// Decodes every slice of a series, spread over the cores, keeping memory bounded to one slice
/// buffer per worker whatever the slice count.
struct SeriesScan {
    let decoder: PNGSliceDecoder
    let workers: Int

    func summarise(_ series: Series) -> [Result<SliceSummary, SliceDecodingError>] {
        let slices = series.slices
        return WorkQueue.map(count: slices.count, workers: workers, local: { (bytes: [UInt8](), samples: [UInt16]()) }) { index, buffers in
            do throws(SliceDecodingError) {
                let header = try decoder.decodeFile(atPath: slices[index].url.path, bytes: &buffers.bytes, into: &buffers.samples)
                return .success(Self.summary(of: buffers.samples, header: header))
            } catch {
                return .failure(error)
            }
        }
    }

    static func summary(of samples: [UInt16], header: PNGHeader) -> SliceSummary {
        var minimum = UInt16.max, maximum = UInt16.min
        var minimumIndex = 0, maximumIndex = 0
        for (index, value) in samples.enumerated() {
            if value < minimum { minimum = value; minimumIndex = index }
            if value > maximum { maximum = value; maximumIndex = index }
        }
        return SliceSummary(
            width: header.width, height: header.height, bitDepth: header.bitDepth, minimum: minimum, maximum: maximum,
            minimumIndex: minimumIndex, maximumIndex: maximumIndex)
    }
}
