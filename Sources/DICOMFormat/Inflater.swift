import CZlib

/// Raw deflate (no zlib header), as Deflated Explicit VR Little Endian stores the data set (PS3.5 A.5).
/// The only code that calls zlib.
enum Inflater {
    static func inflateRaw(_ input: ArraySlice<UInt8>, maxBytes: Int) throws(DICOMError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DICOMError(.malformed, "zlib could not start inflating the deflated data set")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: min(max(input.count * 4, 4096), maxBytes))
        var produced = 0
        var input = Array(input)
        let status: Int32 = input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = UInt32(source.count)
            while true {
                if produced == output.count {
                    guard output.count < maxBytes else { return Z_BUF_ERROR }
                    output.append(contentsOf: repeatElement(0, count: min(output.count, maxBytes - output.count)))
                }
                let result: Int32 = output.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress! + produced
                    let room = min(target.count - produced, Int(UInt32.max))
                    stream.avail_out = UInt32(room)
                    let code = inflate(&stream, Z_NO_FLUSH)
                    produced += room - Int(stream.avail_out)
                    return code
                }
                if result == Z_STREAM_END { return Z_STREAM_END }
                if result == Z_OK { continue }
                // Z_BUF_ERROR with input left means no progress is possible: the stream was cut short.
                if result == Z_BUF_ERROR && stream.avail_out > 0 { return Z_DATA_ERROR }
                if result != Z_BUF_ERROR { return result }
            }
        }
        switch status {
        case Z_STREAM_END:
            output.removeSubrange(produced...)
            return output
        case Z_BUF_ERROR:
            throw DICOMError(.limitExceeded, "the deflated data set inflates past \(maxBytes) bytes")
        default:
            let message = stream.msg.map { String(cString: $0) } ?? "the stream ends before its end marker (truncated)"
            throw DICOMError(.malformed, "the deflated data set does not inflate: \(message)")
        }
    }
}
