import Foundation
import TriageCore

/// Everything random about one synthetic study, drawn once from (seed, study number): the patient,
/// the injection and scan times, the anatomy and uptake, the lesions.
struct StudyPlan: Sendable {
    var number: Int
    var studyId: String
    var accessionNumber: String
    var patientId: String
    var site: String
    var organCentre: String
    var orderedPriority: OrderedPriority
    var weightKg: Double
    var injectedActivityMBq: Double
    /// Wall-clock times in the study's time zone, as the sidecar stores them.
    var injection: DateComponents
    var scanStart: DateComponents
    var received: DateComponents
    var uptakeSeconds: Double
    var phantom: Phantom

    /// F-18 as the synthetic scanner decay-corrects with it (the built-in table's value).
    static let halfLifeSeconds = 6586.2
    static let timeZone = "Europe/Berlin"

    /// Bq/mL per unit SUV at the scan start: the injected dose decayed to the scan, over the weight in g.
    var concentrationPerSUV: Double {
        injectedActivityMBq * 1e6 * pow(2, -uptakeSeconds / Self.halfLifeSeconds) / (weightKg * 1000)
    }

    static func make(number: Int, options: SynthesisOptions) -> StudyPlan {
        var random = RandomSource(seed: options.seed, 1, UInt64(number))
        let weight = random.uniform(50...110)
        let activity = (weight * random.uniform(3.3...4.0)).rounded()
        // Studies spread over a week of mornings; every seventh is injected late in the evening and
        // scanned after midnight, so that the date change is exercised.
        let day = 16 + number % 5
        let lateEvening = number % 7 == 3
        let injectionMinutes = lateEvening ? 23 * 60 + Int(random.uniform(0...25)) : 7 * 60 + Int(random.uniform(0...420))
        let uptake = (random.uniform(55...75) * 60).rounded()
        let injection = Self.clock(day: day, minutes: injectionMinutes, second: Int(random.uniform(0...59)))
        let scan = Self.adding(seconds: Int(uptake), to: injection)
        let received = Self.adding(seconds: Int(uptake) + 1200 + Int(random.uniform(0...7200)), to: injection)
        let priorities: [OrderedPriority] = [.routine, .routine, .routine, .routine, .routine, .routine, .urgent, .urgent, .stat]
        let centres = ["lung", "breast", "lymphoma", "gastrointestinal", "head-neck"]
        let sites = ["North", "South", "Harbour"]
        let hasLesions = random.chance(options.lesionProbability)
        let lesionCount = hasLesions ? 1 + Int(random.uniform(0...Double(max(options.maxLesions, 1)) - 0.001)) : 0
        let phantom = options.family == .basic
            ? Self.phantom(random: &random, lesionCount: lesionCount)
            : Self.physiologicalPhantom(family: options.family, random: &random, lesionCount: lesionCount)
        return StudyPlan(
            number: number, studyId: String(format: "S%04d", number),
            accessionNumber: String(format: "ACC%08d", Int(random.uniform(0...99_999_999))),
            patientId: String(format: "PSN-%06X", Int(random.uniform(0...16_777_215))),
            site: sites[Int(random.uniform(0...Double(sites.count) - 0.001))],
            organCentre: centres[Int(random.uniform(0...Double(centres.count) - 0.001))],
            orderedPriority: priorities[Int(random.uniform(0...Double(priorities.count) - 0.001))],
            weightKg: (weight * 10).rounded() / 10, injectedActivityMBq: activity, injection: injection, scanStart: scan,
            received: received, uptakeSeconds: uptake, phantom: phantom)
    }

    // MARK: - Anatomy

    /// Uptake ranges are typical of FDG (EANM guideline values; liver SUVmean about 2–2.5). The
    /// physiological hot spots vary widely from study to study (bladder 5–40, myocardium 1.5–12), so
    /// that "the hottest voxel" alone is a poor classifier, as in real practice.
    private static func phantom(random: inout RandomSource, lesionCount: Int) -> Phantom {
        let scale = random.uniform(0.9...1.1)
        func box(_ x: Double, _ y: Double, _ z: Double, _ a: Double, _ b: Double, _ c: Double) -> Ellipsoid {
            Ellipsoid(centre: SIMD3(x * scale, y * scale, z), semiAxes: SIMD3(a * scale, b * scale, c))
        }
        let blood = random.uniform(1.5...2.0)
        let myocardium = random.chance(0.5) ? random.uniform(1.5...3) : random.uniform(5...12)
        let bladderSize = random.uniform(30...55)
        var regions = [
            Region(name: "skull", shape: box(0, 0, 100, 70, 90, 80), suv: 0.6, hounsfield: 800),
            Region(name: "brain", shape: box(0, 0, 100, 62, 82, 72), suv: random.uniform(6...10), hounsfield: 35),
            Region(name: "lung-right", shape: box(-85, -5, 430, 62, 75, 125), suv: random.uniform(0.3...0.5), hounsfield: -850),
            Region(name: "lung-left", shape: box(85, -5, 430, 58, 75, 120), suv: random.uniform(0.3...0.5), hounsfield: -850),
            Region(name: "myocardium", shape: box(30, -25, 480, 48, 42, 48), suv: myocardium, hounsfield: 45),
            Region(name: "blood-pool-heart", shape: box(30, -25, 480, 30, 26, 30), suv: blood, hounsfield: 40),
            Region(name: "aorta", shape: box(-5, 40, 560, 12, 12, 190), suv: blood, hounsfield: 40),
            Region(name: "liver", shape: box(-70, -5, 610, 88, 78, 85), suv: random.uniform(2.0...2.6), hounsfield: 60),
            Region(name: "kidney-right", shape: box(-68, 55, 680, 28, 30, 50), suv: random.uniform(3...5), hounsfield: 35),
            Region(name: "kidney-left", shape: box(68, 55, 670, 28, 30, 50), suv: random.uniform(3...5), hounsfield: 35),
            Region(name: "spine", shape: box(0, 80, 560, 16, 16, 330), suv: random.uniform(1.2...1.8), hounsfield: 650),
            Region(name: "bladder", shape: box(0, -10, 880, bladderSize, bladderSize * 0.85, bladderSize * 0.8),
                   suv: exp(random.uniform(log(5)...log(40))), hounsfield: 10),
        ]
        regions.sort { paintOrder($0.name) < paintOrder($1.name) }
        let lesions = (0..<lesionCount).map { _ in lesion(random: &random, regions: regions) }
        return Phantom(body: BodyOutline(scale: scale), backgroundSUV: random.uniform(0.7...1.0), regions: regions, lesions: lesions)
    }

    /// The `analytic`, `lumpy` and `warped` families (PhysiologyBuilder); the anatomy draws from a stream of its
    /// own so that the patient's identifiers do not depend on how many organs were drawn.
    private static func physiologicalPhantom(family: PhantomFamily, random: inout RandomSource, lesionCount: Int) -> Phantom {
        var builder = PhysiologyBuilder(family: family, random: RandomSource(seed: random.next(), 3))
        let body = BodyOutline(scale: builder.scale)
        let (regions, background) = builder.build(body: body)
        let lesions = (0..<lesionCount).map { _ in builder.lesion(body: body) }
        var phantom = Phantom(body: body, backgroundSUV: background, regions: regions, lesions: lesions)
        switch family {
        case .lumpy:
            phantom.resolutionFWHMmm = builder.random.uniform(5...8)
            phantom.correlatedNoise = true
        case .warped:
            phantom.resolutionFWHMmm = builder.random.uniform(5...7.5)
            phantom.noiseAmplitude = builder.random.uniform(0.1...0.2)
            let warp = DisplacementField(random: &builder.random)
            // A lesion stays a sphere where the builder meant it anatomically: rendered at the point that
            // the warp carries onto its planned centre.
            for index in phantom.lesions.indices { phantom.lesions[index].centre = warp.preimage(of: phantom.lesions[index].centre) }
            phantom.warp = warp
        case .basic, .analytic:
            break
        }
        return phantom
    }

    private static func paintOrder(_ name: String) -> Int {
        ["skull", "brain", "spine", "lung-right", "lung-left", "aorta", "myocardium", "blood-pool-heart", "liver",
         "kidney-right", "kidney-left", "bladder"].firstIndex(of: name) ?? 99
    }

    /// A lesion of 8–30 mm and SUV 2.5–15 in a place where disease is common: lungs, liver, nodes, bone.
    private static func lesion(random: inout RandomSource, regions: [Region]) -> Lesion {
        let sites = ["lung-right", "lung-left", "liver", "mediastinal-node", "abdominal-node", "spine"]
        let site = sites[Int(random.uniform(0...Double(sites.count) - 0.001))]
        let centre: SIMD3<Double>
        switch site {
        case "mediastinal-node":
            centre = SIMD3(random.uniform(-15...15), random.uniform(-20...10), random.uniform(390...450))
        case "abdominal-node":
            centre = SIMD3(random.uniform(-45...45), random.uniform(10...40), random.uniform(640...760))
        default:
            let shape = regions.first { $0.name == site }?.shape ?? Ellipsoid(centre: SIMD3(0, 0, 600), semiAxes: SIMD3(50, 50, 50))
            let offset = SIMD3(random.uniform(-0.5...0.5), random.uniform(-0.5...0.5), random.uniform(-0.6...0.6))
            centre = shape.centre + offset * shape.semiAxes
        }
        return Lesion(site: site, centre: centre, diameterMm: random.uniform(8...30), suv: random.uniform(2.5...15))
    }

    // MARK: - Clock arithmetic on wall-clock components (the sidecar stores local times)

    private static func clock(day: Int, minutes: Int, second: Int) -> DateComponents {
        DateComponents(year: 2026, month: 11, day: day, hour: minutes / 60, minute: minutes % 60, second: second)
    }

    /// Adds seconds in UTC arithmetic; in November no clock change falls inside a study.
    static func adding(seconds: Int, to components: DateComponents) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        guard let date = calendar.date(from: components) else { return components }
        return calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date.addingTimeInterval(Double(seconds)))
    }

    static func text(_ components: DateComponents) -> String {
        String(format: "%04d-%02d-%02dT%02d:%02d:%02d", components.year ?? 0, components.month ?? 0, components.day ?? 0,
               components.hour ?? 0, components.minute ?? 0, components.second ?? 0)
    }
}
