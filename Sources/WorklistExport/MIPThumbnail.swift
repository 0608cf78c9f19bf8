import SliceCodec
import TriageCore

/// A small coronal maximum-intensity projection for the worklist page: head at the top, hot uptake
/// dark on white as PET is read, the hottest voxel marked with a square, physical proportions kept.
public enum MIPThumbnail {
    /// The thumbnail of a study's projection, its SUVmax marked.
    public static func png(_ mip: CoronalMIP) -> [UInt8]? {
        png(mip: mip.pixels, width: mip.width, columnMm: mip.columnMm, sliceMm: mip.rowMm, hottest: (mip.hottest.column, mip.hottest.row))
    }

    /// - Parameters:
    ///   - mip: rows of `width` SUV values, head first; each row spans `sliceMm`.
    ///   - hottest: the column and MIP row of SUVmax.
    ///   - displayMaxSUV: the SUV shown as black.
    public static func png(
        mip: [Float], width: Int, columnMm: Double, sliceMm: Double, hottest: (column: Int, slice: Int),
        height targetHeight: Int = 160, displayMaxSUV: Float = 8
    ) -> [UInt8]? {
        guard width > 0, mip.count >= width, columnMm > 0, sliceMm > 0, columnMm.isFinite, sliceMm.isFinite,
              targetHeight > 0, targetHeight <= 4096 else { return nil }
        let slices = mip.count / width
        let heightMm = Double(slices) * sliceMm, widthMm = Double(width) * columnMm
        let outHeight = targetHeight
        // Physical proportions, within 1:4 and 4:1: a thumbnail's size never follows extreme geometry.
        let aspect = min(max(widthMm / heightMm, 0.25), 4)
        let outWidth = max(Int((Double(outHeight) * aspect).rounded()), 1)
        var pixels = [UInt16](repeating: 255, count: outWidth * outHeight)
        // Each thumbnail pixel shows the maximum over the MIP rows and columns it covers: a small hot
        // spot is never skipped when the thumbnail is smaller than the MIP.
        func span(_ index: Int, _ outCount: Int, _ inCount: Int) -> Range<Int> {
            let first = min(index * inCount / outCount, inCount - 1)
            return first..<max((index + 1) * inCount / outCount, first + 1)
        }
        for y in 0..<outHeight {
            let rows = span(y, outHeight, slices)
            for x in 0..<outWidth {
                var value = -Float.infinity
                for row in rows {
                    for column in span(x, outWidth, width) { value = max(value, mip[row * width + column]) }
                }
                let level = min(max(value / displayMaxSUV, 0), 1)
                pixels[y * outWidth + x] = UInt16(255 - (level * 255).rounded())
            }
        }
        // A square around SUVmax in alternating black and white, visible on dark uptake and white background alike.
        let cx = hottest.column * outWidth / width, cy = hottest.slice * outHeight / slices
        let radius = max(outWidth / 12, 4)
        for d in -radius...radius {
            for (x, y) in [(cx + d, cy - radius), (cx + d, cy + radius), (cx - radius, cy + d), (cx + radius, cy + d)]
            where x >= 0 && x < outWidth && y >= 0 && y < outHeight {
                pixels[y * outWidth + x] = (d & 1) == 0 ? 0 : 255
            }
        }
        return try? PNGSliceEncoder(compressionLevel: 9).encode(SliceImage(width: outWidth, height: outHeight, bitDepth: 8, samples: pixels))
    }
}
