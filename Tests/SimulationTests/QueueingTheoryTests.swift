import Foundation
import Synchronization
import TriageCore
import Testing
import Triage
@testable import Simulation

/// The simulator against M/M/1 with non-preemptive priority (Cobham 1954): one reader, Poisson
/// arrivals, exponential reads, and the model's call as the only ranking (positive calls first).
@Suite struct QueueingTheoryTests {
    static let meanRead = 10.0  // minutes
    static let load = 0.8
    static let prevalence = 0.1
    static let sensitivity = 0.9
    static let specificity = 0.9

    /// Mean waits in queue by Cobham's formula: W₀ = λ·E[S²]/2 is the work a new arrival finds in
    /// service; class k waits W₀ / ((1 − σₖ₋₁)(1 − σₖ)), σₖ the load of classes 1...k.
    struct Theory {
        let overall: Double, callsPositive: Double, callsNegative: Double, diseased: Double, shareCalledPositive: Double

        init() {
            let lambda = load / meanRead
            let residual = lambda * 2 * meanRead * meanRead / 2  // E[S²] = 2 m² for exponential reads
            shareCalledPositive = prevalence * sensitivity + (1 - prevalence) * (1 - specificity)
            let sigmaPositive = lambda * shareCalledPositive * meanRead
            overall = residual / (1 - load)
            callsPositive = residual / (1 - sigmaPositive)
            callsNegative = residual / ((1 - sigmaPositive) * (1 - load))
            diseased = sensitivity * callsPositive + (1 - sensitivity) * callsNegative
        }
    }

    static func studies(count: Int, seed: UInt64) -> [SimulatedStudy] {
        let pattern = ArrivalPattern(
            ratePerHour: ArrivalPattern.constantRate(perHour: 60 * load / meanRead), timeZone: TimeZone(identifier: "UTC")!,
            classShares: [.routine: 1], prevalence: prevalence, model: .calls(sensitivity: sensitivity, specificity: specificity),
            readingTimes: [.routine: .exponential(meanMinutes: meanRead)])
        var random = SeededRandom(seed: seed)
        // Days enough for `count` arrivals with a wide margin for Poisson variation; the surplus is cut.
        let days = Int(1.05 * Double(count) / (24 * 60 * load / meanRead)) + 2
        return Array(pattern.arrivals(from: Date(timeIntervalSince1970: 0), days: days, &random).prefix(count))
    }

    /// The relative error of a mean wait over n patients at this load has a standard deviation of
    /// about 3.6 % at 100 000 patients (measured over 12 seeds, as Daley's variance formula for M/M/1
    /// waits predicts), falling as 1/√n: 2.4 million patients put the 3 % tolerance at four standard
    /// deviations, so the test does not flake, yet a simulator off by a few percent fails it. They run
    /// as eight independent replications (each starting empty), as concurrent tasks.
    static let replications = 8
    static let patientsPerReplication = 300_000

    @Test func readingOrderMatchesCobhamsFormula() async {
        let theory = Theory()
        #expect(abs(theory.shareCalledPositive - 0.18) < 1e-12)
        let simulator = ReadingSimulator(readers: [Reader(name: "the one reader")], configuration: .builtIn)
        /// Sums of waits and counts per group, per replication.
        struct Sums: Sendable {
            var fifo = 0.0, ranked = 0.0, positiveCalls = 0.0, negativeCalls = 0.0, diseased = 0.0
            var patients = 0, positiveCallCount = 0, negativeCallCount = 0, diseasedCount = 0
        }
        let all = await withTaskGroup(of: Sums.self) { group in
            for replication in 0..<Self.replications {
                group.addTask {
                    let studies = Self.studies(count: Self.patientsPerReplication, seed: 1000 + UInt64(replication))
                    var sums = Sums()
                    sums.patients = studies.count
                    sums.fifo = simulator.run(studies, policy: .arrivalOrder).reads.reduce(0) { $0 + $1.waitMinutes }
                    for read in simulator.run(studies, policy: .modelOnly).reads {
                        sums.ranked += read.waitMinutes
                        if read.study.probability >= 0.5 {
                            sums.positiveCalls += read.waitMinutes
                            sums.positiveCallCount += 1
                        } else {
                            sums.negativeCalls += read.waitMinutes
                            sums.negativeCallCount += 1
                        }
                        if read.study.diseased == true {
                            sums.diseased += read.waitMinutes
                            sums.diseasedCount += 1
                        }
                    }
                    return sums
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        func pooled(_ total: KeyPath<Sums, Double>, _ count: KeyPath<Sums, Int>) -> Double {
            all.reduce(0) { $0 + $1[keyPath: total] } / Double(all.reduce(0) { $0 + $1[keyPath: count] })
        }
        let patients = all.reduce(0) { $0 + $1.patients }
        #expect(patients == Self.replications * Self.patientsPerReplication)
        let measured = [
            ("arrival order, everyone", pooled(\.fifo, \.patients), theory.overall),
            ("ranked, everyone", pooled(\.ranked, \.patients), theory.overall),
            ("ranked, calls positive", pooled(\.positiveCalls, \.positiveCallCount), theory.callsPositive),
            ("ranked, calls negative", pooled(\.negativeCalls, \.negativeCallCount), theory.callsNegative),
            ("ranked, diseased", pooled(\.diseased, \.diseasedCount), theory.diseased),
        ]
        for (name, simulated, expected) in measured {
            print(String(format: "M/M/1 %@: simulated %.2f min, Cobham %.2f min (%+.1f %%)", name, simulated, expected, 100 * (simulated / expected - 1)))
            #expect(abs(simulated / expected - 1) < 0.03, "\(name): simulated \(simulated) min, theory \(expected) min")
        }
        let share = Double(all.reduce(0) { $0 + $1.positiveCallCount }) / Double(patients)
        #expect(abs(share - theory.shareCalledPositive) < 0.003)
    }
}
