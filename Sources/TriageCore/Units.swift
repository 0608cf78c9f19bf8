/// A DICOM code string read into an enum case-insensitively, keeping any other text as the input spelled
/// it; encoded as its code, so stored results and worklists keep DICOM's spelling.
public protocol CodedText: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Each known value with its DICOM code, in upper case.
    static var known: [(value: Self, code: String)] { get }
    /// Any other text.
    static func other(_ text: String) -> Self
    /// The text of `other`, nil for a known value.
    var otherText: String? { get }
}

extension CodedText {
    public init(text: String) {
        let code = text.uppercased()
        self = Self.known.first { $0.code == code }?.value ?? .other(text)
    }

    /// The DICOM code, or the input's own text for other values.
    public var text: String {
        otherText ?? Self.known.first { $0.value == self }!.code
    }

    public var description: String { text }

    public init(from decoder: any Decoder) throws {
        self.init(text: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

/// The units of a series' rescaled values (DICOM Units (0054,1001)).
public enum PixelUnits: CodedText {
    /// Becquerels per millilitre: PET activity concentration.
    case becquerelsPerMillilitre
    /// Grams per millilitre: PET already converted to body-weight SUV.
    case gramsPerMillilitre
    /// Hounsfield units: CT.
    case hounsfield
    case other(String)

    public static let known: [(value: Self, code: String)] = [(.becquerelsPerMillilitre, "BQML"), (.gramsPerMillilitre, "GML"), (.hounsfield, "HU")]

    public var otherText: String? {
        if case .other(let text) = self { text } else { nil }
    }
}

/// The time PET values are decay-corrected to (DICOM Decay Correction (0054,1102)).
public enum DecayCorrection: CodedText {
    /// To the start of the acquisition (the series' reference time).
    case start
    /// To the administration (injection) time.
    case admin
    /// Not corrected: each slice at its own acquisition time.
    case uncorrected
    case other(String)

    public static let known: [(value: Self, code: String)] = [(.start, "START"), (.admin, "ADMIN"), (.uncorrected, "NONE")]

    public var otherText: String? {
        if case .other(let text) = self { text } else { nil }
    }
}
