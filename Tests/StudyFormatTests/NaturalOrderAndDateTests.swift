import Foundation
import Testing
@testable import StudyFormat

@Suite struct NaturalOrderTests {
    static let cases: [([String], [String])] = [
        (["10.png", "2.png", "1.png"], ["1.png", "2.png", "10.png"]),
        (["IM-0010.png", "IM-0009.png", "IM-00011.png"], ["IM-0009.png", "IM-0010.png", "IM-00011.png"]),
        (["b1", "a10", "a2"], ["a2", "a10", "b1"]),
        (["s1x2", "s1x10", "s1"], ["s1", "s1x2", "s1x10"]),
        // Leading zeros: same value, so the plain comparison decides, deterministically.
        (["01", "1", "001"], ["001", "01", "1"]),
        // Longer than any integer type: compared by digits, no overflow.
        (["99999999999999999999999.png", "100000000000000000000000.png"],
         ["99999999999999999999999.png", "100000000000000000000000.png"]),
    ]

    @Test(arguments: cases)
    func sortsAsAPersonWould(_ input: [String], _ expected: [String]) {
        #expect(NaturalOrder.sorted(input) == expected)
    }
}

@Suite struct DateTimeTextTests {
    let berlin = TimeZone(identifier: "Europe/Berlin")!

    @Test func offsetsAndZuluOverrideTheStudyZone() {
        let utc = DateTimeText.parseDateTime("2026-07-01T12:00:00Z", timeZone: berlin)
        let offset = DateTimeText.parseDateTime("2026-07-01T14:00:00+02:00", timeZone: berlin)
        let floating = DateTimeText.parseDateTime("2026-07-01T14:00:00", timeZone: berlin)
        #expect(utc == Date(timeIntervalSince1970: 1_782_907_200))
        #expect(offset == utc)
        #expect(floating == utc, "14:00 in Berlin in July is 12:00 UTC (CEST)")
    }

    @Test func fractionalSecondsAndSpaceSeparator() {
        let date = DateTimeText.parseDateTime("2026-07-01 12:00:00.250Z", timeZone: berlin)
        #expect(date == Date(timeIntervalSince1970: 1_782_907_200.25))
    }

    static let invalid = ["2026-13-01T00:00:00", "2026-02-29T00:00:00", "2026-04-31T10:00:00", "2026-01-01", "yesterday",
                          "2026-01-01T24:00:00", "2026-01-01T10:00:00+1", "2026-01-01T10:00:00Zulu"]

    @Test(arguments: invalid)
    func rejectsImpossibleOrMalformedDates(_ text: String) {
        #expect(DateTimeText.parseDateTime(text, timeZone: berlin) == nil)
    }

    @Test func timeOfDay() {
        #expect(DateTimeText.parseTimeOfDay("07:05") == .init(hour: 7, minute: 5, second: 0))
        #expect(DateTimeText.parseTimeOfDay("23:59:59.5") == .init(hour: 23, minute: 59, second: 59.5))
        #expect(DateTimeText.parseTimeOfDay("7:05") == nil)
        #expect(DateTimeText.parseTimeOfDay("12:60") == nil)
    }
}
