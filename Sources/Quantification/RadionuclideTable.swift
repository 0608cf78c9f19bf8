/// A positron or gamma emitter with its physical half-life and where that number comes from.
public struct Radionuclide: Sendable, Equatable, Codable {
    /// Canonical spelling: element symbol, hyphen, mass number (`F-18`, `Tc-99m`).
    public let name: String
    public let halfLifeSeconds: Double
    /// The reference the half-life is taken from.
    public let source: String

    /// A day's error in an injection time changes the dose of a nuclide that lives this long by
    /// a lot less than it would for F-18, but the scans are days apart: without a date, the decay
    /// interval is a guess. At 12 h and above, a time of day without a date is refused.
    public var requiresInjectionDate: Bool { halfLifeSeconds >= 12 * 3600 }
}

/// The built-in half-life table. An unknown nuclide is an error for its study, never a silent default.
///
/// Values and sources as gathered in shared/domain.md: NNDC (National Nuclear Data Center, NuDat),
/// the European Pharmacopoeia 5.7 table of physical characteristics of radionuclides, the Turku PET
/// Centre's decay table (turkupetcentre.net/petanalysis/decay.html) and EJNMMI Physics 2020 (Lu-177).
public enum RadionuclideTable {
    private static let minute = 60.0
    private static let hour = 3600.0
    private static let day = 86400.0

    public static let all: [Radionuclide] = [
        Radionuclide(name: "F-18", halfLifeSeconds: 109.77 * minute, source: "Ph. Eur. 5.7 (NNDC): 109.77 min"),
        Radionuclide(name: "Ga-68", halfLifeSeconds: 67.71 * minute, source: "NNDC: 67.71 min"),
        Radionuclide(name: "Cu-64", halfLifeSeconds: 12.70 * hour, source: "Turku PET Centre: 12.70 h"),
        Radionuclide(name: "Zr-89", halfLifeSeconds: 78.41 * hour, source: "NNDC: 78.41 h"),
        Radionuclide(name: "Tc-99m", halfLifeSeconds: 6.007 * hour, source: "NNDC: 6.007 h"),
        Radionuclide(name: "I-123", halfLifeSeconds: 13.22 * hour, source: "NNDC: 13.22 h"),
        Radionuclide(name: "I-131", halfLifeSeconds: 8.02 * day, source: "NNDC: 8.02 d"),
        Radionuclide(name: "Lu-177", halfLifeSeconds: 6.647 * day, source: "EJNMMI Physics 2020, table 1: 6.647 d"),
        Radionuclide(name: "In-111", halfLifeSeconds: 2.805 * day, source: "NNDC: 2.805 d"),
        Radionuclide(name: "Rb-82", halfLifeSeconds: 75, source: "Turku PET Centre: 75 s (older tables: 76 s)"),
        Radionuclide(name: "C-11", halfLifeSeconds: 20.36 * minute, source: "Ph. Eur. 5.7 (NNDC): 20.36 min"),
        Radionuclide(name: "N-13", halfLifeSeconds: 9.965 * minute, source: "Ph. Eur. 5.7: 9.965 min"),
        Radionuclide(name: "O-15", halfLifeSeconds: 122.24, source: "Ph. Eur. 5.7: 122.24 s"),
    ]

    /// Finds a nuclide by its usual spellings: `F-18`, `f-18`, `F18`, `18F`, `18-F`, `Tc-99m`, `99mTc`.
    public static func lookup(_ text: String) -> Radionuclide? {
        let key = normalised(text)
        return all.first { normalised($0.name) == key }
    }

    /// Element letters then mass number (with an `m` for metastable), ignoring case, hyphens and spaces,
    /// and accepting the mass number first.
    private static func normalised(_ text: String) -> String {
        let compact = text.lowercased().filter { $0.isLetter || $0.isNumber }
        let digits = compact.prefix { $0.isNumber }
        if !digits.isEmpty {
            var rest = compact.dropFirst(digits.count)
            var metastable = ""
            if rest.hasPrefix("m"), rest.count > 1, !["mg", "mn", "mo"].contains(where: { rest.hasPrefix($0) && rest.count == 2 }) {
                metastable = "m"
                rest = rest.dropFirst()
            }
            return rest + digits + metastable
        }
        return compact
    }
}
