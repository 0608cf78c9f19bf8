import Foundation

/// Reads the safetensors format: an 8-byte little-endian header length, a JSON header mapping each
/// tensor name to its dtype, shape and [begin, end) byte offsets (relative to the end of the header),
/// then the raw little-endian data. What PyTorch's and numpy's exporters write.
struct SafeTensors {
    struct Tensor {
        var dtype: String
        var shape: [Int]
        var values: [Float]
    }

    let tensors: [String: Tensor]

    /// Parses `bytes`; `fail` builds the error (with the model and file names) for a reason.
    init(bytes: [UInt8], truncated: (String) -> ModelLoadingError, invalid: (String) -> ModelLoadingError,
         dtype: (String, String) -> ModelLoadingError) throws(ModelLoadingError) {
        guard bytes.count >= 8 else { throw truncated("\(bytes.count) bytes, shorter than the 8-byte header length") }
        var headerLength: UInt64 = 0
        for index in (0..<8).reversed() { headerLength = headerLength << 8 | UInt64(bytes[index]) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw truncated("header length \(headerLength) runs past the end of the \(bytes.count)-byte file")
        }
        let dataStart = 8 + Int(headerLength)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart]))
        } catch {
            throw invalid("not JSON (\(error.localizedDescription))")
        }
        guard let entries = json as? [String: Any] else { throw invalid("the header is not a JSON object") }
        let dataLength = bytes.count - dataStart
        var tensors: [String: Tensor] = [:]
        var ranges: [(name: String, range: Range<Int>)] = []
        for (name, entry) in entries where name != "__metadata__" {
            guard let fields = entry as? [String: Any], let type = fields["dtype"] as? String,
                  let shape = (fields["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offsets = (fields["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  offsets.count == 2, shape.allSatisfy({ $0 >= 0 }) else {
                throw invalid("tensor \(name) lacks a dtype, shape or data_offsets [begin, end]")
            }
            guard type == "F32" else { throw dtype(name, type) }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end else { throw invalid("tensor \(name) has offsets [\(begin), \(end)]") }
            guard end <= dataLength else {
                throw truncated("tensor \(name) ends at byte \(end) of the data, which has \(dataLength) bytes")
            }
            // Checked arithmetic: a hostile shape's product must not trap; it cannot exceed the data it spans.
            var count = 1
            for dimension in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard !overflow, product <= dataLength / 4 else {
                    throw invalid("tensor \(name) has shape \(shape), more values than the file's \(dataLength) data bytes can hold")
                }
                count = product
            }
            guard end - begin == count * 4 else {
                throw invalid("tensor \(name) spans \(end - begin) bytes, its shape \(shape) needs \(count * 4)")
            }
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBytes { destination in
                bytes.withUnsafeBytes { source in
                    destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[(dataStart + begin)..<(dataStart + end)]))
                }
            }
            // The format is little-endian; so is every machine this runs on, but say so rather than assume.
            if UInt32(1).bigEndian == 1 { values = values.map { Float(bitPattern: $0.bitPattern.byteSwapped) } }
            tensors[name] = Tensor(dtype: type, shape: shape, values: values)
            ranges.append((name, begin..<end))
        }
        ranges.sort { $0.range.lowerBound < $1.range.lowerBound }
        for (previous, next) in zip(ranges, ranges.dropFirst()) where previous.range.upperBound > next.range.lowerBound {
            throw invalid("tensors \(previous.name) and \(next.name) overlap")
        }
        self.tensors = tensors
    }
}
