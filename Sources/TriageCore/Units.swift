/// The units of a series' rescaled values (DICOM Units (0054,1001)), read case-insensitively.
public enum PixelUnits: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Becquerels per millilitre: PET activity concentration.
    case becquerelsPerMillilitre
    /// Grams per millilitre: PET already converted to body-weight SUV.
    case gramsPerMillilitre
    /// Hounsfield units: CT.
    case hounsfield
    /// Anything else, as the input spelled it.
    case other(String)

    public init(text: String) {
        switch text.uppercased() {
        case "BQML": self = .becquerelsPerMillilitre
        case "GML": self = .gramsPerMillilitre
        case "HU": self = .hounsfield
        default: self = .other(text)
        }
    }

    /// The DICOM code (`BQML`, `GML`, `HU`), or the input's own text for other units.
    public var text: String {
        switch self {
        case .becquerelsPerMillilitre: "BQML"
        case .gramsPerMillilitre: "GML"
        case .hounsfield: "HU"
        case .other(let text): text
        }
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

/// The time PET values are decay-corrected to (DICOM Decay Correction (0054,1102)), read case-insensitively.
public enum DecayCorrection: Sendable, Hashable, Codable, CustomStringConvertible {
    /// To the start of the acquisition (the series' reference time).
    case start
    /// To the administration (injection) time.
    case admin
    /// Not corrected: each slice at its own acquisition time.
    case uncorrected
    /// Anything else, as the input spelled it.
    case other(String)

    public init(text: String) {
        switch text.uppercased() {
        case "START": self = .start
        case "ADMIN": self = .admin
        case "NONE": self = .uncorrected
        default: self = .other(text)
        }
    }

    /// The DICOM code (`START`, `ADMIN`, `NONE`), or the input's own text.
    public var text: String {
        switch self {
        case .start: "START"
        case .admin: "ADMIN"
        case .uncorrected: "NONE"
        case .other(let text): text
        }
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
