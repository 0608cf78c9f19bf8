/// A fixed C character buffer that the shim writes libpng's error message into.
struct MessageBuffer {
    private var storage = [CChar](repeating: 0, count: 256)

    mutating func withCString<Result>(_ body: (UnsafeMutablePointer<CChar>, Int) -> Result) -> Result {
        storage.withUnsafeMutableBufferPointer { buffer in
            // A non-empty array always has a base address.
            body(buffer.baseAddress!, buffer.count)
        }
    }

    /// The message up to its NUL (String(cString:) on arrays is deprecated in Swift 6.3).
    var text: String {
        let bytes = storage.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return bytes.isEmpty ? "unknown libpng error" : String(decoding: bytes, as: UTF8.self)
    }
}
