/// Why a DICOM file could not be read, or its pixels decoded: what, where (byte offset, tag), why.
public struct DICOMError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// The file is not DICOM, or so malformed that its structure cannot be followed.
        case malformed
        /// The file ends inside an element or a declared length reaches past the end.
        case truncated
        /// A limit on size or nesting was reached: not refused as wrong, but as too much.
        case limitExceeded
        /// Well-formed, but in an encoding or pixel format this reader does not decode.
        case unsupported
    }

    public let kind: Kind
    /// The byte offset in the data set (after the meta group and any inflation) where the problem is, if known.
    public let offset: Int?
    public let reason: String

    public init(_ kind: Kind, at offset: Int? = nil, _ reason: String) {
        self.kind = kind
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        offset.map { "\(reason) (at byte \($0))" } ?? reason
    }
}
