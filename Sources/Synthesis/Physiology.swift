import Foundation

/// The anatomy and physiological uptake of the `analytic`, `lumpy` and `warped` families (`warped` builds
/// exactly the `analytic` organs; StudyPlan warps them afterwards): FDG-like uptake in every
/// place that a reader knows fools a "hottest spot" rule. The ranges drawn are listed in
/// Docs/Synthesis.md; keep the two in step.
struct PhysiologyBuilder {
    let family: PhantomFamily
    /// Body habitus: transaxial scale of the body and of the organs' placement.
    let scale: Double
    private(set) var regions: [Region] = []
    var random: RandomSource

    init(family: PhantomFamily, random: RandomSource) {
        self.family = family
        self.random = random
        scale = self.random.uniform(0.85...1.3)
    }

    var isLumpy: Bool { family == .lumpy }

    /// Adds an organ at an anatomical place (x and y scale with the habitus). The lumpy family moves it
    /// by up to 15 % of its size, stretches each axis by 0.8–1.2 and gives it 3–6 bumps or dents.
    mutating func add(_ name: String, _ x: Double, _ y: Double, _ z: Double, _ a: Double, _ b: Double, _ c: Double,
                      suv: Double, hu: Double, lumps: Bool = true) {
        var centre = SIMD3(x * scale, y * scale, z)
        var axes = SIMD3(a * scale, b * scale, c)
        var bumps: [Ellipsoid.Lump] = []
        if isLumpy {
            centre += SIMD3(random.uniform(-0.15...0.15), random.uniform(-0.15...0.15), random.uniform(-0.15...0.15)) * axes
            axes *= SIMD3(random.uniform(0.8...1.2), random.uniform(0.8...1.2), random.uniform(0.8...1.2))
            if lumps {
                for _ in 0..<Int(random.uniform(3...6.999)) {
                    var direction = SIMD3(random.uniform(-1...1), random.uniform(-1...1), random.uniform(-1...1))
                    direction /= max((direction * direction).sum().squareRoot(), 1e-6)
                    bumps.append(.init(direction: direction, amplitude: random.uniform(-0.2...0.3), sharpness: random.uniform(2...8)))
                }
            }
        }
        regions.append(Region(name: name, shape: Ellipsoid(centre: centre, semiAxes: axes, lumps: bumps), suv: suv, hounsfield: hu))
    }

    mutating func logUniform(_ range: ClosedRange<Double>) -> Double {
        exp(random.uniform(log(range.lowerBound)...log(range.upperBound)))
    }

    /// Builds every organ, in painting order (later regions cover earlier ones).
    mutating func build(body: BodyOutline) -> (regions: [Region], background: Double) {
        let background = random.uniform(0.6...1.0)
        let muscle = random.chance(0.1) ? random.uniform(2...4) : random.uniform(0.6...1.5)
        arms(body: body, muscle: muscle)
        head()
        neck()
        // Muscle and bone first: organs paint over them.
        add("muscle-paravertebral-right", -38, 85, 600, 22, 22, 280, suv: muscle, hu: 50)
        add("muscle-paravertebral-left", 38, 85, 600, 22, 22, 280, suv: muscle, hu: 50)
        add("muscle-psoas-right", -42, 45, 780, 17, 17, 110, suv: muscle * random.uniform(0.9...1.3), hu: 50)
        add("muscle-psoas-left", 42, 45, 780, 17, 17, 110, suv: muscle * random.uniform(0.9...1.3), hu: 50)
        add("spine", 0, 80, 560, 16, 16, 330, suv: random.uniform(1.2...2.2), hu: 650, lumps: false)
        let marrow = random.uniform(1.0...1.9)
        add("pelvic-bone-right", -75, 45, 860, 40, 22, 50, suv: marrow, hu: 500)
        add("pelvic-bone-left", 75, 45, 860, 40, 22, 50, suv: marrow, hu: 500)
        thorax()
        abdomen()
        urinaryTract()
        if random.chance(0.15) { brownFat() }
        return (regions, background)
    }

    /// Arms down beside the trunk, or up beside the head; an injection site in one of them, sometimes
    /// extravasated (a larger, fainter spread).
    private mutating func arms(body: BodyOutline, muscle: Double) {
        let down = random.chance(0.6)
        let side = random.chance(0.5) ? -1.0 : 1.0
        let halfWidth = (body.halfAxes(atZ: 450)?.width ?? 170) / scale
        let (x, z, length) = down ? (halfWidth + 42, 560.0, 250.0) : (100.0, 130.0, 200.0)
        for sign in [-1.0, 1.0] {
            add(sign < 0 ? "arm-right" : "arm-left", sign * x, 0, z, 26, 28, length, suv: muscle * random.uniform(0.7...1.0), hu: 60)
        }
        guard random.chance(0.85) else { return }
        let along = z + random.uniform(-0.8...0.8) * length
        if random.chance(0.25) {
            let size = random.uniform(8...20)
            add("injection-extravasation", side * x, random.uniform(-10...10), along, size, size * 0.8, size * 1.5,
                suv: random.uniform(3...25), hu: 40)
        } else {
            let size = random.uniform(2.5...6)
            add("injection-site", side * x, random.uniform(-15...15), along, size, size, size * 1.5, suv: logUniform(5...80), hu: 60)
        }
    }

    /// Skull, grey matter (cortex), white matter, ventricles, deep grey nuclei, cerebellum.
    private mutating func head() {
        let cortex = random.uniform(6...13)
        add("skull", 0, 0, 100, 70, 90, 80, suv: 0.6, hu: 800, lumps: false)
        add("brain-cortex", 0, 0, 98, 62, 82, 70, suv: cortex, hu: 35, lumps: false)
        add("brain-white-matter", 0, 0, 92, 46, 64, 50, suv: cortex * random.uniform(0.3...0.45), hu: 30)
        add("brain-ventricles", 0, -5, 88, 9, 24, 16, suv: random.uniform(0.3...0.8), hu: 5)
        let deep = cortex * random.uniform(0.85...1.15)
        add("brain-deep-grey-right", -16, 2, 96, 10, 15, 11, suv: deep, hu: 35)
        add("brain-deep-grey-left", 16, 2, 96, 10, 15, 11, suv: deep, hu: 35)
        add("cerebellum", 0, 48, 152, 46, 28, 22, suv: cortex * random.uniform(0.65...1.0), hu: 35)
    }

    /// Palatine tonsils, parotid and submandibular glands.
    private mutating func neck() {
        let tonsil = random.uniform(2...6), parotid = random.uniform(1.5...3.5), submandibular = random.uniform(1.5...3.5)
        for sign in [-1.0, 1.0] {
            let side = sign < 0 ? "right" : "left"
            add("tonsil-\(side)", sign * 17, -12, 200, 8, 8, 11, suv: tonsil * random.uniform(0.85...1.15), hu: 40)
            add("parotid-\(side)", sign * 52, 8, 182, 11, 17, 20, suv: parotid, hu: 30)
            add("submandibular-\(side)", sign * 30, -28, 214, 10, 10, 9, suv: submandibular, hu: 40)
        }
    }

    private mutating func thorax() {
        let blood = random.uniform(1.3...2.2)
        let myocardium = random.chance(0.4) ? random.uniform(1.0...2.5) : logUniform(2.5...15)
        add("lung-right", -85, -5, 430, 62, 75, 125, suv: random.uniform(0.3...0.6), hu: -850)
        add("lung-left", 85, -5, 430, 58, 75, 120, suv: random.uniform(0.3...0.6), hu: -850)
        add("aorta", -5, 40, 560, 12, 12, 190, suv: blood, hu: 40, lumps: false)
        add("myocardium", 30, -25, 480, 48, 42, 48, suv: myocardium, hu: 45)
        add("blood-pool-heart", 30, -25, 480, 30, 26, 30, suv: blood, hu: 40)
    }

    /// Liver, spleen, stomach, small bowel loops and the colon frame; bowel with focal segments.
    private mutating func abdomen() {
        let liver = random.uniform(1.6...2.8)
        add("liver", -70, -5, 610, 88, 78, 85, suv: liver, hu: 60)
        add("spleen", 78, 35, 605, 38, 48, 55, suv: liver * random.uniform(0.75...1.05), hu: 50)
        add("stomach", 50, -35, 625, 45, 32, 48, suv: random.uniform(1.3...5), hu: 30)
        let bowel = random.uniform(1.2...3)
        for index in 0..<Int(random.uniform(6...12.999)) {
            let focal = random.chance(0.25)
            add("small-bowel-\(index)", random.uniform(-65...65), random.uniform(-50...20), random.uniform(700...830),
                random.uniform(10...18), random.uniform(10...18), random.uniform(12...25),
                suv: focal ? random.uniform(3...8) : bowel * random.uniform(0.8...1.2), hu: 20)
        }
        // The colon: ascending, transverse, descending and sigmoid, as chains of short segments.
        let path: [SIMD3<Double>] = [SIMD3(-95, 10, 850), SIMD3(-95, 0, 720), SIMD3(-80, -45, 690), SIMD3(0, -55, 700),
                                     SIMD3(80, -45, 690), SIMD3(95, 10, 720), SIMD3(90, 10, 850), SIMD3(20, 40, 880)]
        let colon = random.uniform(1.2...2.5)
        let focalSegments = Set((0..<Int(random.uniform(0...4.999))).map { _ in Int(random.uniform(0...27.999)) })
        var segment = 0
        for (from, to) in zip(path, path.dropFirst()) {
            for step in 0..<4 {
                let point = from + (to - from) * (Double(step) + 0.5) / 4
                let radius = random.uniform(13...20)
                add("colon-\(segment)", point.x, point.y, point.z, radius, radius, radius * 1.2,
                    suv: focalSegments.contains(segment) ? random.uniform(3...10) : colon, hu: 0)
                segment += 1
            }
        }
    }

    /// Kidney cortex, renal pelvis holding urine, ureters with focal urine boluses, bladder of variable
    /// filling and shape.
    private mutating func urinaryTract() {
        let urine = logUniform(4...60)
        let cortex = random.uniform(2.5...5)
        for sign in [-1.0, 1.0] {
            let side = sign < 0 ? "right" : "left"
            let z = sign < 0 ? 680.0 : 670.0
            add("kidney-\(side)", sign * 68, 55, z, 28, 30, 50, suv: cortex, hu: 35)
            if random.chance(0.8) {
                add("renal-pelvis-\(side)", sign * 56, 48, z + 5, 11, 9, 16, suv: urine * random.uniform(0.4...1.0), hu: 10)
            }
            // The ureter from the pelvis down along the psoas to the bladder: thin, faint, with boluses.
            let start = SIMD3(sign * 52, 48, z + 25), end = SIMD3(sign * 25, 10, 850.0)
            let boluses = Set((0..<Int(random.uniform(0...3.999))).map { _ in Int(random.uniform(0...9.999)) })
            for step in 0..<10 {
                let point = start + (end - start) * (Double(step) + 0.5) / 10
                let bolus = boluses.contains(step)
                let radius = bolus ? random.uniform(3.5...7) : 2.5
                add("ureter-\(side)-\(step)", point.x, point.y, point.z, radius, radius, bolus ? radius * 1.8 : 9,
                    suv: urine * (bolus ? random.uniform(0.5...1.0) : random.uniform(0.05...0.3)), hu: 10, lumps: false)
            }
        }
        let size = random.uniform(20...70)
        add("bladder", random.uniform(-8...8), -10, 885 - (size - 45) * 0.3, size, size * random.uniform(0.7...1.0),
            size * random.uniform(0.6...0.9), suv: urine, hu: 10)
    }

    /// Activated brown fat: clusters of small hot nodules in the neck, above the clavicles and beside
    /// the spine, on both sides.
    private mutating func brownFat() {
        let suv = random.uniform(2...12)
        let places: [(x: ClosedRange<Double>, y: ClosedRange<Double>, z: ClosedRange<Double>)] = [
            (25...45, 0...20, 220...265), (40...75, 5...40, 270...310), (15...30, 65...90, 330...520),
        ]
        for (index, place) in places.enumerated() where random.chance(0.7) {
            for nodule in 0..<Int(random.uniform(3...10.999)) {
                let size = random.uniform(4...9)
                let sign = random.chance(0.5) ? -1.0 : 1.0
                add("brown-fat-\(index)-\(nodule)", sign * random.uniform(place.x), random.uniform(place.y), random.uniform(place.z),
                    size, size, size * 1.3, suv: suv * random.uniform(0.6...1.0), hu: -80)
            }
        }
    }

    // MARK: - Lesions

    /// A lesion of 5–30 mm at a node station, in a lung, the liver, bone or soft tissue, with uptake
    /// 1.5–15 times its surroundings (liver 1.5–3.5), a quarter of those of 15 mm or more necrotic.
    mutating func lesion(body: BodyOutline) -> Lesion {
        let stations: [(String, ClosedRange<Double>, ClosedRange<Double>, ClosedRange<Double>, Bool)] = [
            ("node-cervical", 20...45, -10...15, 200...260, true), ("node-supraclavicular", 35...60, 0...30, 275...310, true),
            ("node-axillary", 105...135, 0...30, 330...400, true), ("node-mediastinal", -20...20, -25...15, 380...470, false),
            ("node-hilar", 35...50, 0...15, 420...460, true), ("node-para-aortic", -30...30, 25...45, 620...760, false),
            ("node-mesenteric", -50...50, -30...20, 680...780, false), ("node-iliac", 40...70, 10...40, 800...880, true),
            ("node-inguinal", 60...90, -40...(-20), 905...935, true),
        ]
        let kinds = ["node", "node", "node", "lung", "liver", "bone", "soft-tissue"]
        let kind = kinds[Int(random.uniform(0...Double(kinds.count) - 0.001))]
        var site = kind
        var centre = SIMD3<Double>(0, 0, 600)
        func inside(_ name: String, _ spread: Double) -> SIMD3<Double>? {
            guard let shape = regions.first(where: { $0.name == name })?.shape else { return nil }
            let offset = SIMD3(random.uniform(-spread...spread), random.uniform(-spread...spread), random.uniform(-spread...spread))
            return shape.centre + offset * shape.semiAxes
        }
        switch kind {
        case "node":
            let station = stations[Int(random.uniform(0...Double(stations.count) - 0.001))]
            let sign = station.4 && random.chance(0.5) ? -1.0 : 1.0
            site = station.0
            centre = SIMD3(sign * random.uniform(station.1) * scale, random.uniform(station.2) * scale, random.uniform(station.3))
        case "lung":
            site = random.chance(0.5) ? "lung-right" : "lung-left"
            centre = inside(site, 0.55) ?? centre
        case "liver":
            centre = inside("liver", 0.5) ?? centre
        case "bone":
            site = random.chance(0.6) ? "bone-spine" : "bone-pelvis"
            centre = inside(site == "bone-spine" ? "spine" : (random.chance(0.5) ? "pelvic-bone-right" : "pelvic-bone-left"), 0.5) ?? centre
        default:
            let z = random.uniform(320...900)
            let axes = body.halfAxes(atZ: z) ?? (150, 100)
            let angle = random.uniform(0...(2 * Double.pi))
            let depth = random.uniform(0.8...0.9)
            centre = SIMD3(cos(angle) * axes.width * depth, sin(angle) * axes.depth * depth, z)
        }
        let diameter = logUniform(5...30)
        let contrast = kind == "liver" ? random.uniform(1.5...3.5) : logUniform(1.5...15)
        var lesion = Lesion(site: site, centre: centre, diameterMm: diameter, suv: 0, contrast: contrast)
        if diameter >= 15, random.chance(0.25) {
            lesion.coreFraction = random.uniform(0.4...0.7)
            lesion.coreSUV = random.uniform(0.5...1.2)  // times the surroundings, resolved with the contrast
        }
        return lesion
    }
}
