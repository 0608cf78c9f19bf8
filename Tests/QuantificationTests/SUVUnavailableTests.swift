import Foundation
import Testing
import TriageCore
@testable import Quantification

/// Every reason SUV cannot be computed is named, with the field and value, and all are reported at once.
@Suite struct SUVUnavailableTests {
    func reasons(_ fixture: PETSeriesFixture) -> [SUVUnavailableReason] {
        let (study, series) = fixture.build()
        if case .unavailable(let reasons) = SUVCalibrator.calibrate(series: series, of: study) { return reasons }
        return []
    }

    static let cases: [(String, @Sendable (inout PETSeriesFixture) -> Void, SUVUnavailableReason, String, String?)] = [
        ("no weight", { $0.weightKg = nil }, .missingWeight, "$.patientWeightKg", nil),
        ("zero weight", { $0.weightKg = 0 }, .missingWeight, "$.patientWeightKg", "0.0"),
        ("weight in grams", { $0.weightKg = 70_000 }, .implausibleWeight(kg: 70_000), "$.patientWeightKg", "70000.0"),
        ("no activity", { $0.injectedActivityMBq = nil }, .missingInjectedActivity, "$.series[0].radiopharmaceutical.injectedActivityMBq", nil),
        ("activity in Bq", { $0.injectedActivityMBq = 370e6 }, .implausibleInjectedActivity(mbq: 370e6),
         "$.series[0].radiopharmaceutical.injectedActivityMBq", "370000000.0"),
        ("unknown nuclide", { $0.radionuclide = "Xx-99" }, .unknownRadionuclide("Xx-99"), "$.series[0].radiopharmaceutical.radionuclide", "\"Xx-99\""),
        ("no units", { $0.units = nil }, .missingUnits, "$.series[0].units", nil),
        ("counts", { $0.units = "CNTS" }, .unsupportedUnits("CNTS"), "$.series[0].units", "\"CNTS\""),
        ("odd units", { $0.units = "PROPCPS" }, .unsupportedUnits("PROPCPS"), "$.series[0].units", "\"PROPCPS\""),
        ("no decay reference", { $0.decayCorrection = nil }, .missingDecayCorrection, "$.series[0].decayCorrection", nil),
        ("odd decay reference", { $0.decayCorrection = "SCAN" }, .unknownDecayCorrection("SCAN"), "$.series[0].decayCorrection", "\"SCAN\""),
        ("no radiopharmaceutical", { $0.includeRadiopharmaceutical = false }, .missingRadiopharmaceutical, "$.series[0].radiopharmaceutical", nil),
        ("no injection time", { $0.injection = nil }, .missingInjectionTime, "$.series[0].radiopharmaceutical.injectionDateTime", nil),
        ("Lu-177 time only", { $0.radionuclide = "Lu-177"; $0.injection = .timeOfDay(hour: 9, minute: 0, second: 0) },
         .missingInjectionDate(nuclide: "Lu-177"), "$.series[0].radiopharmaceutical.injectionTime", nil),
        ("no scan time", { $0.seriesDate = nil }, .noScanReferenceTime, "$.series[0].seriesDateTime", nil),
        ("injected after scan", { $0.injection = .dateTime(PETSeriesFixture.time("2026-05-04T11:10:00")) },
         .negativeDecayInterval(seconds: -600), "$.series[0].radiopharmaceutical.injectionDateTime", "-600.0 s"),
        ("NONE without times", { $0.decayCorrection = "NONE"; $0.slopes = [1, 1, 1]
            $0.acquisitionDates = [PETSeriesFixture.time("2026-05-04T11:00:00"), nil, nil] },
         .missingSliceAcquisitionTime(firstSlice: 1, count: 2), "$.series[0].slices[1].acquisitionDateTime", nil),
    ]

    @Test(arguments: cases.indices)
    func eachReasonIsNamedWithFieldAndValue(_ index: Int) throws {
        let (name, change, expected, field, value) = Self.cases[index]
        var fixture = PETSeriesFixture()
        change(&fixture)
        let found = reasons(fixture)
        #expect(found == [expected], "\(name)")
        let (study, series) = fixture.build()
        let problem = expected.problem(study: study, series: series)
        #expect(problem.file == "/studies/S1/study.json")
        #expect(problem.field == field, "\(name)")
        #expect(problem.value == value, "\(name)")
        #expect(problem.message.hasPrefix("SUV not computable"))
    }

    @Test func severalProblemsAreReportedTogether() {
        var fixture = PETSeriesFixture()
        fixture.weightKg = nil
        fixture.injectedActivityMBq = 0
        fixture.decayCorrection = "SCAN"
        fixture.units = "CNTS"
        #expect(Set(reasons(fixture).map(\.description)) == Set([
            SUVUnavailableReason.unsupportedUnits("CNTS"), .unknownDecayCorrection("SCAN"), .missingWeight, .missingInjectedActivity,
        ].map(\.description)))
    }

    @Test func messagesSayWhatToFix() {
        #expect(SUVUnavailableReason.unsupportedUnits("CNTS").description.contains("vendor-specific scale factor"))
        #expect(SUVUnavailableReason.implausibleInjectedActivity(mbq: 3.7e8).description.contains("is it in Bq?"))
        #expect(SUVUnavailableReason.negativeDecayInterval(seconds: -600).description == "SUV not computable: the injection is 600 s after the scan reference time")
    }
}
