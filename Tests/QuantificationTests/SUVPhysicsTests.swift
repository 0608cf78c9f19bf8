import Foundation
import Testing
@testable import Quantification
import TriageCore

/// SUV against values computed by hand from SUVbw = C · W / (A · 2^(−Δt/T½)).
@Suite struct SUVPhysicsTests {
    func calibration(_ fixture: PETSeriesFixture) throws -> SUVCalibration {
        let (study, series) = fixture.build()
        switch SUVCalibrator.calibrate(series: series, of: study) {
        case .calibrated(let calibration): return calibration
        case .unavailable(let reasons):
            Issue.record("unexpected: \(reasons)")
            throw CancellationError()
        }
    }

    @Test func fluorine18StartByHand() throws {
        // C = 2000 × 0.5 = 1000 Bq/mL; Δt = 3600 s; D = 370e6 × 2^(−3600/6586.2) = 253.314e6 Bq
        // SUV = 1000 × 70,000 g / D.
        let dose = 370e6 * pow(2, -3600 / 6586.2)
        let expected = 1000 * 70_000 / dose
        let calibration = try calibration(PETSeriesFixture())
        #expect(abs(calibration.suv(stored: 2000, slice: 0) - expected) / expected < 1e-9)
        #expect(abs(expected - 0.276337) < 1e-6, "hand value: 7e7 / 253.314e6 = 0.276337")
        let provenance = calibration.provenance
        #expect(provenance.decayIntervalSeconds == 3600...3600)
        #expect(provenance.scanReferenceRule == .seriesDateTime)
        #expect(provenance.halfLifeSeconds == 6586.2)
        #expect(provenance.halfLifeSource?.contains("built-in table") == true)
        #expect(abs(provenance.doseAtReferenceMBq!.lowerBound - dose / 1e6) < 1e-9)
    }

    @Test func gallium68StartByHand() throws {
        var fixture = PETSeriesFixture()
        fixture.radionuclide = "Ga-68"
        fixture.injectedActivityMBq = 150
        fixture.slopes = [1]
        // Δt = 3600 s, T½ = 67.71 min = 4062.6 s: D = 150e6 × 2^(−3600/4062.6) = 81.1594e6 Bq.
        let dose = 150e6 * pow(2, -3600 / 4062.6)
        let calibration = try calibration(fixture)
        let suv = calibration.suv(stored: 5000, slice: 0)
        #expect(abs(suv - 5000 * 70_000 / dose) < 1e-9)
        #expect(abs(suv - 4.312500) < 1e-6, "hand value: 5000 × 7e4 / 81.1594e6 = 4.312500")
    }

    /// A uniform phantom whose concentration is dose/weight must read SUV 1 whatever the reference.
    @Test func uniformPhantomReadsOneUnderStartAndAdmin() throws {
        let grams = 70_000.0
        // START: pixel values refer to the scan start, so the concentration is the decayed dose / weight.
        let startConcentration = 370e6 * pow(2, -3600 / 6586.2) / grams
        var start = PETSeriesFixture()
        start.slopes = [startConcentration / 10_000]
        #expect(abs(try calibration(start).suv(stored: 10_000, slice: 0) - 1) < 0.001)
        // ADMIN: values refer to the injection, so the concentration is the injected dose / weight.
        var admin = PETSeriesFixture()
        admin.decayCorrection = "ADMIN"
        admin.slopes = [370e6 / grams / 10_000]
        let adminCalibration = try calibration(admin)
        #expect(abs(adminCalibration.suv(stored: 10_000, slice: 0) - 1) < 0.001, "not ≈ 2.1: ADMIN must not decay again")
        #expect(adminCalibration.provenance.decayFactor == 1...1)
    }

    @Test func perSliceSlopesAreEachUsed() throws {
        var fixture = PETSeriesFixture()
        fixture.slopes = [0.5, 1.0, 2.0]
        fixture.intercepts = [0, 10, -10]
        let calibration = try calibration(fixture)
        let perBq = 70_000 / (370e6 * pow(2, -3600 / 6586.2))
        for (slice, concentration) in [1000.0, 2010.0, 3990.0].enumerated() {
            #expect(abs(calibration.suv(stored: 2000, slice: slice) - concentration * perBq) < 1e-9, "slice \(slice)")
        }
    }

    @Test func injectionBeforeMidnightScanAfter() throws {
        var fixture = PETSeriesFixture()
        fixture.seriesDate = PETSeriesFixture.time("2026-05-05T00:40:00")
        fixture.injection = .timeOfDay(hour: 23, minute: 30, second: 0)
        let timeOnly = try calibration(fixture).provenance
        #expect(timeOnly.decayIntervalSeconds == 4200...4200, "23:30 → 00:40 is 70 min")
        #expect(timeOnly.injectionPlacedOnPreviousDay)
        fixture.injection = .dateTime(PETSeriesFixture.time("2026-05-04T23:30:00"))
        let full = try calibration(fixture).provenance
        #expect(full.decayIntervalSeconds == 4200...4200)
        #expect(!full.injectionPlacedOnPreviousDay)
    }

    @Test func timeOfDayAcrossTheAutumnClockChange() throws {
        // 25 Oct 2026: clocks go back at 03:00 CEST to 02:00 CET. Injection 01:30 CEST, scan 02:30 CET = 2 h later.
        var fixture = PETSeriesFixture()
        fixture.seriesDate = PETSeriesFixture.time("2026-10-25T02:30:00+01:00")
        fixture.injection = .timeOfDay(hour: 1, minute: 30, second: 0)
        #expect(try calibration(fixture).provenance.decayIntervalSeconds == 7200...7200)
    }

    @Test func qibaScanReferenceRule() throws {
        var fixture = PETSeriesFixture()
        fixture.slopes = [1, 1]
        // Series time before the earliest acquisition: the series time is the reference.
        fixture.acquisitionDates = [PETSeriesFixture.time("2026-05-04T11:02:00"), PETSeriesFixture.time("2026-05-04T11:01:00")]
        let normal = try calibration(fixture).provenance
        #expect(normal.scanReferenceRule == .seriesDateTime && normal.decayIntervalSeconds == 3600...3600)
        // A late reconstruction: series time 50 min after the acquisitions; the earliest acquisition wins.
        fixture.seriesDate = PETSeriesFixture.time("2026-05-04T11:51:00")
        let late = try calibration(fixture).provenance
        #expect(late.scanReferenceRule == .earliestAcquisition && late.decayIntervalSeconds == 3660...3660)
        // No series time at all: the earliest acquisition.
        fixture.seriesDate = nil
        #expect(try calibration(fixture).provenance.scanReferenceRule == .earliestAcquisition)
    }

    @Test func noneCorrectsEachSliceFromItsOwnTime() throws {
        var fixture = PETSeriesFixture()
        fixture.decayCorrection = "NONE"
        fixture.slopes = [1, 1]
        fixture.acquisitionDates = [PETSeriesFixture.time("2026-05-04T11:00:00"), PETSeriesFixture.time("2026-05-04T11:30:00")]
        let calibration = try calibration(fixture)
        let first = 70_000 / (370e6 * pow(2, -3600 / 6586.2))
        let second = 70_000 / (370e6 * pow(2, -5400 / 6586.2))
        #expect(abs(calibration.scales[0] - first) < 1e-12)
        #expect(abs(calibration.scales[1] - second) < 1e-12)
        #expect(calibration.provenance.decayIntervalSeconds == 3600...5400)
    }

    @Test func gmlValuesAreAlreadySUV() throws {
        var fixture = PETSeriesFixture()
        fixture.units = "GML"
        fixture.weightKg = nil
        fixture.slopes = [0.001]
        #expect(try calibration(fixture).suv(stored: 2500, slice: 0) == 2.5)
    }

    @Test func convertWritesFloatSUVPerPixel() throws {
        var fixture = PETSeriesFixture()
        fixture.units = "GML"
        fixture.slopes = [0.01, 0.02]
        fixture.intercepts = [0, 1]
        let calibration = try calibration(fixture)
        let stored: [UInt16] = [0, 100, 65535]
        var output = [Float](repeating: -1, count: 3)
        stored.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { calibration.convert(input, slice: 1, into: $0) }
        }
        #expect(output == [1, 3, Float(65535 * 0.02 + 1)])
    }

    @Test func halfLifeDisagreementIsFlagged() throws {
        var fixture = PETSeriesFixture()
        fixture.halfLifeSeconds = 6588  // 0.03 % off: the study's value is used, nothing flagged
        let close = try calibration(fixture).provenance
        #expect(close.halfLifeSeconds == 6588 && close.warnings.isEmpty)
        #expect(close.halfLifeSource?.hasPrefix("the study's value") == true)
        fixture.halfLifeSeconds = 6586.2 * 1.02  // 2 % off: flagged, the table's value is used
        let far = try calibration(fixture).provenance
        #expect(far.halfLifeSeconds == 6586.2)
        #expect(far.warnings.contains { $0.contains("differs from the table") && $0.contains("2.0 %") })
    }

    @Test func missingAttenuationCorrectionIsFlagged() throws {
        var fixture = PETSeriesFixture()
        fixture.correctedImage = ["DECY"]
        #expect(try calibration(fixture).provenance.warnings.contains { $0.contains("not attenuation-corrected") })
    }
}

@Suite struct RadionuclideTableTests {
    static let spellings: [(String, String?)] = [
        ("F-18", "F-18"), ("f-18", "F-18"), ("18F", "F-18"), ("F18", "F-18"), ("Ga-68", "Ga-68"), ("68Ga", "Ga-68"),
        ("Tc-99m", "Tc-99m"), ("99mTc", "Tc-99m"), ("Lu-177", "Lu-177"), ("Xx-12", nil), ("F-19", nil), ("", nil),
    ]

    @Test(arguments: spellings)
    func lookupAcceptsUsualSpellings(_ text: String, _ expected: String?) {
        #expect(RadionuclideTable.lookup(text)?.name == expected)
    }

    @Test func longLivedNuclidesNeedAnInjectionDate() {
        let long = RadionuclideTable.all.filter(\.requiresInjectionDate).map(\.name).sorted()
        #expect(long == ["Cu-64", "I-123", "I-131", "In-111", "Lu-177", "Zr-89"])
    }
}
