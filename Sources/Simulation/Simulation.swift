import Foundation
import Triage

/// A department's arrivals and readers, simulated under each policy with the same studies and the
/// same reading times, so that the policies differ in their order alone.
public struct Simulation: Sendable {
    public var studies: [SimulatedStudy]
    public var readers: [Reader]
    public var configuration: TriageConfiguration
    /// Where days begin and end for the worst day.
    public var timeZone: TimeZone
    /// What is simulated, in words, for the report.
    public var description: [String]
    public var seed: UInt64

    public init(studies: [SimulatedStudy], readers: [Reader], configuration: TriageConfiguration, timeZone: TimeZone,
                description: [String], seed: UInt64) {
        self.studies = studies
        self.readers = readers
        self.configuration = configuration
        self.timeZone = timeZone
        self.description = description
        self.seed = seed
    }

    public func report(policies: [ReadingPolicy] = ReadingPolicy.allCases) -> SimulationReport {
        let simulator = ReadingSimulator(readers: readers, configuration: configuration)
        let figures = policies.map { policy in
            let (reads, unread) = simulator.run(studies, policy: policy)
            return PolicyReport(policy: policy, reads: reads, unread: unread, configuration: configuration, timeZone: timeZone)
        }
        return SimulationReport(department: description, seed: seed, studies: studies, policies: figures)
    }
}
