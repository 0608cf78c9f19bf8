import Foundation

/// DICOM dates and times (PS3.5 §6.2: DA `YYYYMMDD`, TM `HHMMSS.FFFFFF`, DT `YYYYMMDDHHMMSS.FFFFFF&ZZXX`)
/// resolved to instants. Values without an offset are read in the study's zone: TimezoneOffsetFromUTC
/// (0008,0201) when the file has it, else the zone the reader is configured with.
public struct DICOMTime: Sendable {
    public let timeZone: TimeZone

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    /// The zone a file's times are in: its own offset, or `fallback`.
    public static func zone(offset: String?, fallback: TimeZone) -> TimeZone {
        guard let offset, let seconds = offsetSeconds(offset) else { return fallback }
        return TimeZone(secondsFromGMT: seconds) ?? fallback
    }

    /// A time of day: hour, minute, second with fraction. Accepts `HH`, `HHMM`, `HHMMSS(.F)` and the
    /// retired `HH:MM:SS` form.
    public static func timeOfDay(_ text: String) -> (hour: Int, minute: Int, second: Double)? {
        let compact = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ":", with: "")
        let parts = compact.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = Array(parts[0])
        guard [2, 4, 6].contains(whole.count), whole.allSatisfy(\.isASCIIDigit) else { return nil }
        let hour = Int(String(whole[0..<2]))!
        let minute = whole.count >= 4 ? Int(String(whole[2..<4]))! : 0
        var second = whole.count == 6 ? Double(Int(String(whole[4..<6]))!) : 0
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].count <= 6, parts[1].allSatisfy(\.isASCIIDigit) else { return nil }
            second += Double("0." + parts[1])!
        }
        guard hour < 24, minute < 60, second < 61 else { return nil }
        return (hour, minute, second)
    }

    /// DA + TM in this zone.
    public func instant(date: String?, time: String?) -> Date? {
        guard let date, let day = Self.day(date) else { return nil }
        let clock = time.flatMap(Self.timeOfDay) ?? (time == nil ? (0, 0, 0) : nil)
        guard let clock else { return nil }
        return make(day: day, clock: clock, zone: timeZone)
    }

    /// A DT value; its own `&ZZXX` offset wins over the zone.
    public func instant(dateTime text: String?) -> Date? {
        guard var text = text?.trimmingCharacters(in: .whitespaces), text.count >= 8 else { return nil }
        var zone = timeZone
        if let sign = text.lastIndex(where: { $0 == "+" || $0 == "-" }), text.distance(from: sign, to: text.endIndex) == 5 {
            guard let seconds = Self.offsetSeconds(String(text[sign...])), let own = TimeZone(secondsFromGMT: seconds) else { return nil }
            zone = own
            text = String(text[..<sign])
        }
        guard let day = Self.day(String(text.prefix(8))) else { return nil }
        let rest = String(text.dropFirst(8))
        let clock = rest.isEmpty ? (0, 0, 0) : Self.timeOfDay(rest)
        guard let clock else { return nil }
        return make(day: day, clock: clock, zone: zone)
    }

    private func make(day: (year: Int, month: Int, day: Int), clock: (hour: Int, minute: Int, second: Double), zone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let whole = clock.second.rounded(.down)
        let components = DateComponents(year: day.year, month: day.month, day: day.day, hour: clock.hour, minute: clock.minute, second: Int(whole))
        guard let date = calendar.date(from: components),
              calendar.component(.day, from: date) == day.day else { return nil }
        return date.addingTimeInterval(clock.second - whole)
    }

    private static func day(_ text: String) -> (year: Int, month: Int, day: Int)? {
        let compact = Array(text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ".", with: ""))
        guard compact.count == 8, compact.allSatisfy(\.isASCIIDigit) else { return nil }
        let year = Int(String(compact[0..<4]))!, month = Int(String(compact[4..<6]))!, day = Int(String(compact[6..<8]))!
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        return (year, month, day)
    }

    /// `+0100`, `-0500` → seconds east of UTC.
    private static func offsetSeconds(_ text: String) -> Int? {
        let chars = Array(text.trimmingCharacters(in: .whitespaces))
        guard chars.count == 5, chars[0] == "+" || chars[0] == "-", chars[1...].allSatisfy(\.isASCIIDigit) else { return nil }
        let hours = Int(String(chars[1...2]))!, minutes = Int(String(chars[3...4]))!
        guard hours <= 14, minutes < 60 else { return nil }
        return (chars[0] == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
