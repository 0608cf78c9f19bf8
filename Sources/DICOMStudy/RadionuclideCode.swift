import Foundation
/// The nuclide a RadionuclideCodeSequence (0054,0300) item names, spelled as the half-life table
/// spells it (`F-18`): from its CodeMeaning (`^18^Fluorine`, `Fluorine^18^`, `18F`) or, failing
/// that, its SNOMED CodeValue. Nil when neither says.
enum RadionuclideCode {
    static func name(meaning: String?, code: String?) -> String? {
        if let meaning, let parsed = fromMeaning(meaning) { return parsed }
        if let code, let known = codes[code.uppercased()] { return known }
        return nil
    }

    private static func fromMeaning(_ text: String) -> String? {
        let words = text.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        guard let mass = words.first(where: { $0.allSatisfy(\.isNumber) }) else {
            return words.count == 1 && words[0].contains(where: \.isNumber) ? words[0] : nil
        }
        let metastable = words.contains { $0.lowercased() == "m" } || text.lowercased().contains("\(mass)m")
        guard let element = words.lazy.compactMap({ symbols[$0.lowercased()] }).first else { return nil }
        return "\(element)-\(mass)\(metastable ? "m" : "")"
    }

    private static let symbols: [String: String] = [
        "fluorine": "F", "gallium": "Ga", "copper": "Cu", "zirconium": "Zr", "technetium": "Tc", "iodine": "I",
        "lutetium": "Lu", "indium": "In", "rubidium": "Rb", "carbon": "C", "nitrogen": "N", "oxygen": "O",
        "yttrium": "Y", "scandium": "Sc", "bromine": "Br",
    ]

    /// A few SNOMED-RT codes of PS3.16 CID 4020 (PET Radionuclide); the meaning is read first.
    private static let codes: [String: String] = [
        "C-111A1": "F-18", "C-131A3": "Ga-68", "C-105A1": "C-11", "C-107A1": "N-13",
    ]
}
