/// Lays out the receptive fields of a range of output positions as the columns of a matrix, so that a
/// convolution becomes one GEMM: row r = (channel, ky, kx), column j = (slice, y, x), zero where the
/// kernel reaches into the padding.
package enum Im2col {
    /// Fills `destination` (row stride `rowStride`) with rows 0..<C·kh·kw for output positions `columns`
    /// of the batch, numbered slice-major: j = (b · H_out + y) · W_out + x. The range must lie within one
    /// output row run at a time as the loop walks it; any range works.
    package static func fill(
        _ destination: UnsafeMutablePointer<Float>, rowStride: Int,
        from source: UnsafePointer<Float>, shape: ActivationShape, batch: Int, output: ActivationShape,
        kernel: (height: Int, width: Int), stride: (height: Int, width: Int), padding: (height: Int, width: Int),
        columns: Range<Int>
    ) {
        let outPlane = output.height * output.width
        let inPlane = shape.height * shape.width
        if stride == (1, 1), columns.lowerBound % output.width == 0, columns.count % output.width == 0,
           columns.lowerBound / outPlane == (columns.upperBound - 1) / outPlane {
            fillWholeRows(destination, rowStride: rowStride, from: source, shape: shape, batch: batch, output: output, kernel: kernel,
                          padding: padding, columns: columns)
            return
        }
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
                            copyRow(sourceRow, width: shape.width, into: base, count: run,
                                    firstColumn: ox * stride.width - padding.width + kx, stride: stride.width)
                        }
                        j += run
                    }
                    row += 1
                }
            }
        }
    }

    /// The common case, as the engine chunks a stride-1 layer: whole output rows of one slice. The same
    /// layout as the general walk, without its per-run divisions, which cost more than the copies for
    /// rows of 32 or 64 values.
    private static func fillWholeRows(
        _ destination: UnsafeMutablePointer<Float>, rowStride: Int,
        from source: UnsafePointer<Float>, shape: ActivationShape, batch: Int, output: ActivationShape,
        kernel: (height: Int, width: Int), padding: (height: Int, width: Int), columns: Range<Int>
    ) {
        let outPlane = output.height * output.width
        let slice = columns.lowerBound / outPlane
        let firstRow = (columns.lowerBound - slice * outPlane) / output.width
        let rows = columns.count / output.width
        var row = 0
        let threeWide = kernel.width == 3 && padding.width == 1 && output.width == shape.width && shape.width >= 2
        for channel in 0..<shape.channels {
            let plane = source + (channel * batch + slice) * shape.height * shape.width
            for ky in 0..<kernel.height {
                if threeWide {
                    // The three kx rows of a 3-wide kernel are one source row shifted by −1, 0 and +1:
                    // written together, in loops the compiler vectorises, instead of three library copies.
                    fillThreeShifted(destination + row * rowStride, rowStride: rowStride, plane: plane, shape: shape,
                                     firstRow: firstRow - padding.height + ky, rows: rows)
                    row += 3
                    continue
                }
                for kx in 0..<kernel.width {
                    var out = destination + row * rowStride
                    for oy in firstRow..<(firstRow + rows) {
                        let iy = oy - padding.height + ky
                        if iy < 0 || iy >= shape.height {
                            out.update(repeating: 0, count: output.width)
                        } else {
                            copyRow(plane + iy * shape.width, width: shape.width, into: out, count: output.width,
                                    firstColumn: kx - padding.width, stride: 1)
                        }
                        out += output.width
                    }
                    row += 1
                }
            }
        }
    }

    /// Rows kx = 0, 1, 2 of the im2col block for one (channel, ky), stride 1, padding 1, output width =
    /// input width: source rows `firstRow ..< firstRow + rows` (zero where outside the image), shifted.
    @inline(__always)
    private static func fillThreeShifted(
        _ destination: UnsafeMutablePointer<Float>, rowStride: Int, plane: UnsafePointer<Float>, shape: ActivationShape,
        firstRow: Int, rows: Int
    ) {
        let width = shape.width
        var left = destination, centre = destination + rowStride, right = destination + 2 * rowStride
        for r in 0..<rows {
            let iy = firstRow + r
            if iy < 0 || iy >= shape.height {
                left.update(repeating: 0, count: width)
                centre.update(repeating: 0, count: width)
                right.update(repeating: 0, count: width)
            } else {
                let source = plane + iy * width
                left[0] = 0
                for x in 1..<width { left[x] = source[x - 1] }
                for x in 0..<width { centre[x] = source[x] }
                for x in 0..<(width - 1) { right[x] = source[x + 1] }
                right[width - 1] = 0
            }
            left += width
            centre += width
            right += width
        }
    }

    /// destination[t] = source[first + t·stride], or 0 outside 0..<width. With stride 1 the inside part
    /// is one contiguous copy, which is most of the work for the usual 3 × 3, stride 1 layers.
    @inline(__always)
    private static func copyRow(
        _ source: UnsafePointer<Float>, width: Int, into destination: UnsafeMutablePointer<Float>, count: Int,
        firstColumn: Int, stride: Int
    ) {
        if stride == 1 {
            let lead = min(max(-firstColumn, 0), count)
            let end = min(max(width - firstColumn, lead), count)
            if lead > 0 { destination.update(repeating: 0, count: lead) }
            if end > lead { (destination + lead).update(from: source + firstColumn + lead, count: end - lead) }
            if count > end { (destination + end).update(repeating: 0, count: count - end) }
            return
        }
        var column = firstColumn
        for t in 0..<count {
            destination[t] = column >= 0 && column < width ? source[column] : 0
            column += stride
        }
    }
}
