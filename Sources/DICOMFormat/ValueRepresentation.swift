/// A DICOM value representation, the two letters that say how a value is encoded (PS3.5 §6.2).
public struct ValueRepresentation: Hashable, Sendable, CustomStringConvertible {
    /// The two ASCII letters, first in the high byte.
    public let code: UInt16

    init(_ text: StaticString) {
        let pointer = text.utf8Start
        code = UInt16(pointer[0]) << 8 | UInt16(pointer[1])
    }

    init?(first: UInt8, second: UInt8) {
        let code = UInt16(first) << 8 | UInt16(second)
        guard Self.known.contains(code) else { return nil }
        self.code = code
    }

    public var description: String {
        String(decoding: [UInt8(code >> 8), UInt8(code & 0xFF)], as: UTF8.self)
    }

    /// VRs whose explicit-VR header has two reserved bytes and a 4-byte length (PS3.5 §7.1.2).
    var hasLongLength: Bool { Self.longLength.contains(code) }

    public static let AE = Self("AE"), AS = Self("AS"), AT = Self("AT"), CS = Self("CS"), DA = Self("DA")
    public static let DS = Self("DS"), DT = Self("DT"), FL = Self("FL"), FD = Self("FD"), IS = Self("IS")
    public static let LO = Self("LO"), LT = Self("LT"), OB = Self("OB"), OD = Self("OD"), OF = Self("OF")
    public static let OL = Self("OL"), OV = Self("OV"), OW = Self("OW"), PN = Self("PN"), SH = Self("SH")
    public static let SL = Self("SL"), SQ = Self("SQ"), SS = Self("SS"), ST = Self("ST"), SV = Self("SV")
    public static let TM = Self("TM"), UC = Self("UC"), UI = Self("UI"), UL = Self("UL"), UN = Self("UN")
    public static let UR = Self("UR"), US = Self("US"), UT = Self("UT"), UV = Self("UV")

    private static let all: [Self] = [
        AE, AS, AT, CS, DA, DS, DT, FL, FD, IS, LO, LT, OB, OD, OF, OL, OV, OW, PN, SH,
        SL, SQ, SS, ST, SV, TM, UC, UI, UL, UN, UR, US, UT, UV,
    ]
    private static let known = Set(all.map(\.code))
    private static let longLength = Set([OB, OD, OF, OL, OV, OW, SQ, SV, UC, UN, UR, UT, UV].map(\.code))
}
