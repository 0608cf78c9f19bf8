import Foundation

/// Reads the date-time forms the sidecar allows: ISO 8601 `yyyy-MM-ddTHH:mm:ss[.fraction][Z|±HH:MM]`.
///
/// A date-time without an offset is a wall-clock time in the study's time zone (as DICOM stores them),
/// so that daylight-saving changes are honoured when two such times are subtracted.
enum DateTimeText {
    /// A time of day with no date: `HH:MM[:SS[.fraction]]`.
    struct TimeOfDay: Sendable, Equatable {
        var hour: Int
        var minute: Int
        var second: Double
    }

    static func parseDateTime(_ text: String, timeZone: TimeZone) -> Date? {
        let chars = Array(text.utf8)
        guard chars.count >= 19, chars[4] == UInt8(ascii: "-"), chars[7] == UInt8(ascii: "-"),
              chars[10] == UInt8(ascii: "T") || chars[10] == UInt8(ascii: " "),
              let year = digits(chars, 0, 4), let month = digits(chars, 5, 2), let day = digits(chars, 8, 2),
              let time = parseTime(chars[11...])
        else { return nil }
        var zone = timeZone
        switch time.rest.first {
        case nil:
            break
        case UInt8(ascii: "Z") where time.rest.count == 1:
            zone = TimeZone(secondsFromGMT: 0) ?? timeZone
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let rest = Array(time.rest)
            guard rest.count == 6, rest[3] == UInt8(ascii: ":"),
                  let hours = digits(rest, 1, 2), let minutes = digits(rest, 4, 2), hours <= 18, minutes < 60,
                  let offset = TimeZone(secondsFromGMT: (rest[0] == UInt8(ascii: "-") ? -1 : 1) * (hours * 3600 + minutes * 60))
            else { return nil }
            zone = offset
        default:
            return nil
        }
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let components = DateComponents(
            year: year, month: month, day: day, hour: time.value.hour, minute: time.value.minute,
            second: Int(time.value.second))
        // Reject dates that do not exist (31 April) rather than letting Calendar roll them over.
        guard calendar.date(from: components).map({ calendar.component(.day, from: $0) == day }) == true,
              let whole = calendar.date(from: components)
        else { return nil }
        return whole.addingTimeInterval(time.value.second - time.value.second.rounded(.down))
    }

    static func parseTimeOfDay(_ text: String) -> TimeOfDay? {
        guard let parsed = parseTime(Array(text.utf8)[...]), parsed.rest.isEmpty else { return nil }
        return parsed.value
    }

    /// `HH:MM[:SS[.fraction]]` at the start of `chars`; returns the rest (an offset, or nothing).
    private static func parseTime(_ chars: ArraySlice<UInt8>) -> (value: TimeOfDay, rest: ArraySlice<UInt8>)? {
        let c = Array(chars)
        guard c.count >= 5, c[2] == UInt8(ascii: ":"), let hour = digits(c, 0, 2), let minute = digits(c, 3, 2),
              hour < 24, minute < 60
        else { return nil }
        var index = 5
        var second = 0.0
        if index < c.count, c[index] == UInt8(ascii: ":") {
            guard let whole = digits(c, index + 1, 2), whole < 60 else { return nil }
            second = Double(whole)
            index += 3
            if index < c.count, c[index] == UInt8(ascii: ".") {
                var end = index + 1
                while end < c.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c[end]) { end += 1 }
                guard end > index + 1, let fraction = Double("0" + String(decoding: c[index..<end], as: UTF8.self))
                else { return nil }
                second += fraction
                index = end
            }
        }
        return (TimeOfDay(hour: hour, minute: minute, second: second), c[index...])
    }

    private static func digits(_ chars: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= chars.count else { return nil }
        var value = 0
        for char in chars[start..<start + count] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(char) else { return nil }
            value = value * 10 + Int(char - UInt8(ascii: "0"))
        }
        return value
    }
}
