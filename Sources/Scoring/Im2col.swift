/// Lays out the receptive fields of a range of output positions as the columns of a matrix, so that a
/// convolution becomes one GEMM: row r = (channel, ky, kx), column j = (slice, y, x), zero where the
/// kernel reaches into the padding.
enum Im2col {
    /// Fills `destination` (row stride `rowStride`) with rows 0..<C·kh·kw for output positions `columns`
    /// of the whole batch, numbered slice-major: j = (b · H_out + y) · W_out + x.
    static func fill(
        _ destination: UnsafeMutablePointer<Float>, rowStride: Int,
        from source: UnsafePointer<Float>, shape: ActivationShape, batch: Int, output: ActivationShape,
        kernel: (height: Int, width: Int), stride: (height: Int, width: Int), padding: (height: Int, width: Int),
        columns: Range<Int>
    ) {
        let outPlane = output.height * output.width
        let inPlane = shape.height * shape.width
        var row = 0
        for channel in 0..<shape.channels {
            for ky in 0..<kernel.height {
                for kx in 0..<kernel.width {
                    let out = destination + row * rowStride
                    var j = columns.lowerBound
                    // Walk output rows: within one, the source offset advances by the stride.
                    while j < columns.upperBound {
                        let b = j / outPlane
                        let position = j - b * outPlane
                        let oy = position / output.width
                        let ox = position - oy * output.width
                        let run = min(columns.upperBound - j, output.width - ox)
                        let iy = oy * stride.height - padding.height + ky
                        let base = out + (j - columns.lowerBound)
                        if iy < 0 || iy >= shape.height {
                            base.update(repeating: 0, count: run)
                        } else {
                            let sourceRow = source + (channel * batch + b) * inPlane + iy * shape.width
                            var ix = ox * stride.width - padding.width + kx
                            for t in 0..<run {
                                base[t] = ix >= 0 && ix < shape.width ? sourceRow[ix] : 0
                                ix += stride.width
                            }
                        }
                        j += run
                    }
                    row += 1
                }
            }
        }
    }
}
