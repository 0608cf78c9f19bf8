/// How a data set and its pixels are encoded (PS3.5 §10, PS3.6 Annex A).
public struct TransferSyntax: Sendable, Equatable, CustomStringConvertible {
    public enum PixelEncoding: Sendable, Equatable {
        case native
        case rle
        /// Compressed fragments this reader does not decode (JPEG, JPEG-LS, JPEG 2000, MPEG, …).
        case compressed
    }

    public let uid: String
    public let explicitVR: Bool
    public let bigEndian: Bool
    /// The data set after the meta group is a raw deflate stream.
    public let deflated: Bool
    public let pixels: PixelEncoding

    public static let implicitLittle = TransferSyntax(uid: "1.2.840.10008.1.2", explicitVR: false, bigEndian: false, deflated: false, pixels: .native)
    public static let explicitLittle = TransferSyntax(uid: "1.2.840.10008.1.2.1", explicitVR: true, bigEndian: false, deflated: false, pixels: .native)
    public static let deflatedExplicitLittle = TransferSyntax(uid: "1.2.840.10008.1.2.1.99", explicitVR: true, bigEndian: false, deflated: true, pixels: .native)
    public static let explicitBig = TransferSyntax(uid: "1.2.840.10008.1.2.2", explicitVR: true, bigEndian: true, deflated: false, pixels: .native)
    public static let rleLossless = TransferSyntax(uid: "1.2.840.10008.1.2.5", explicitVR: true, bigEndian: false, deflated: false, pixels: .rle)

    private static let uncompressed = [implicitLittle, explicitLittle, deflatedExplicitLittle, explicitBig, rleLossless]

    /// Names of the compressed syntaxes, for refusals a person can act on.
    private static let compressedNames: [String: String] = [
        "1.2.840.10008.1.2.4.50": "JPEG Baseline (Process 1)",
        "1.2.840.10008.1.2.4.51": "JPEG Extended (Process 2 & 4)",
        "1.2.840.10008.1.2.4.57": "JPEG Lossless, Non-Hierarchical (Process 14)",
        "1.2.840.10008.1.2.4.70": "JPEG Lossless, First-Order Prediction (Process 14, SV1)",
        "1.2.840.10008.1.2.4.80": "JPEG-LS Lossless",
        "1.2.840.10008.1.2.4.81": "JPEG-LS Near-Lossless",
        "1.2.840.10008.1.2.4.90": "JPEG 2000 (Lossless Only)",
        "1.2.840.10008.1.2.4.91": "JPEG 2000",
        "1.2.840.10008.1.2.4.92": "JPEG 2000 Part 2 Multi-component (Lossless Only)",
        "1.2.840.10008.1.2.4.93": "JPEG 2000 Part 2 Multi-component",
        "1.2.840.10008.1.2.4.201": "High-Throughput JPEG 2000 (Lossless Only)",
        "1.2.840.10008.1.2.4.202": "High-Throughput JPEG 2000 with RPCL (Lossless Only)",
        "1.2.840.10008.1.2.4.203": "High-Throughput JPEG 2000",
        "1.2.840.10008.1.2.4.100": "MPEG2 Main Profile",
        "1.2.840.10008.1.2.4.102": "MPEG-4 AVC/H.264",
        "1.2.840.10008.1.2.4.110": "JPEG XL Lossless",
        "1.2.840.10008.1.2.1.98": "Encapsulated Uncompressed Explicit VR Little Endian",
    ]

    /// The syntax a UID names. Unknown syntaxes are read as explicit VR little endian, which every
    /// compressed syntax uses for its data set, with their pixels refused.
    public init(uid: String) {
        if let known = Self.uncompressed.first(where: { $0.uid == uid }) {
            self = known
        } else {
            self.init(uid: uid, explicitVR: true, bigEndian: false, deflated: false, pixels: .compressed)
        }
    }

    init(uid: String, explicitVR: Bool, bigEndian: Bool, deflated: Bool, pixels: PixelEncoding) {
        self.uid = uid
        self.explicitVR = explicitVR
        self.bigEndian = bigEndian
        self.deflated = deflated
        self.pixels = pixels
    }

    public var name: String {
        switch uid {
        case Self.implicitLittle.uid: "Implicit VR Little Endian"
        case Self.explicitLittle.uid: "Explicit VR Little Endian"
        case Self.deflatedExplicitLittle.uid: "Deflated Explicit VR Little Endian"
        case Self.explicitBig.uid: "Explicit VR Big Endian"
        case Self.rleLossless.uid: "RLE Lossless"
        default: Self.compressedNames[uid] ?? "unknown transfer syntax"
        }
    }

    public var description: String { "\(name) (\(uid))" }
}
