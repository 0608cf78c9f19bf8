// swift-tools-version: 6.1
import PackageDescription

let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let inMemoryLogging: Target.Dependency = .product(name: "InMemoryLogging", package: "swift-log")
let yams: Target.Dependency = .product(name: "Yams", package: "Yams")
let plot: Target.Dependency = .product(name: "Plot", package: "Plot")
let csv: Target.Dependency = .product(name: "CSV", package: "CSV.swift")
let grdb: Target.Dependency = .product(name: "GRDB", package: "GRDB.swift")

let package = Package(
    name: "radtriage",
    products: [
        .executable(name: "radtriage", targets: ["radtriage"]),
        // Libraries that the nested Benchmarks/ package imports.
        .library(name: "TriageCore", targets: ["TriageCore"]),
        .library(name: "SliceCodec", targets: ["SliceCodec"]),
        .library(name: "StudyFormat", targets: ["StudyFormat"]),
        .library(name: "Quantification", targets: ["Quantification"]),
        .library(name: "Synthesis", targets: ["Synthesis"]),
        .library(name: "Inspection", targets: ["Inspection"]),
        .library(name: "Scoring", targets: ["Scoring"]),
        .library(name: "Evidence", targets: ["Evidence"]),
        .library(name: "Triage", targets: ["Triage"]),
        .library(name: "RunState", targets: ["RunState"]),
        .library(name: "WorklistExport", targets: ["WorklistExport"]),
        .library(name: "CDecodeBaseline", targets: ["CDecodeBaseline"]),
        .library(name: "BenchKernels", targets: ["BenchKernels"]),
        .library(name: "TriagePipeline", targets: ["TriagePipeline"]),
        .library(name: "Simulation", targets: ["Simulation"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/JohnSundell/Plot.git", from: "0.14.0"),
        .package(url: "https://github.com/yaslab/CSV.swift.git", from: "2.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    ],
    targets: [
        // C libraries, each reached from exactly one Swift module.
        .systemLibrary(name: "CLibPNG", pkgConfig: "libpng16", providers: [.apt(["libpng-dev"])]),
        .target(name: "CPNGShim", dependencies: ["CLibPNG"], linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("deflate"), .linkedLibrary("z")]),
        // The decoding bound for `radtriage bench` and Benchmarks/: the plain libpng loop a C programmer would write.
        .target(name: "CDecodeBaseline", dependencies: ["CLibPNG"], linkerSettings: [.linkedLibrary("png16")]),
        // zlib for Deflated Explicit VR Little Endian DICOM, reached only from DICOMFormat.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // The bound the throughput target is stated against: the plain C pipeline (libpng + im2col/sgemm model).
        .target(name: "CPipelineBaseline", dependencies: ["CDecodeBaseline", "COpenBLAS"]),

        // Libraries, by pipeline stage: format → decoding → quantification → inspection.
        .target(name: "TriageCore"),
        .target(name: "SliceCodec", dependencies: ["TriageCore", "CPNGShim"]),
        .target(name: "StudyFormat", dependencies: ["TriageCore"]),
        .target(name: "DICOMFormat", dependencies: ["TriageCore", "CZlib"]),
        .target(name: "DICOMStudy", dependencies: ["DICOMFormat", "Quantification", "TriageCore"]),
        .target(name: "Quantification", dependencies: ["TriageCore"]),
        .target(name: "Synthesis", dependencies: ["TriageCore", "StudyFormat", "SliceCodec", "DICOMFormat"]),
        .target(name: "Inspection", dependencies: ["TriageCore", "StudyFormat", "SliceCodec", "Quantification"]),
        .target(name: "Scoring", dependencies: ["TriageCore", "COpenBLAS"]),
        .target(name: "Evidence", dependencies: ["TriageCore"]),
        .target(name: "Triage", dependencies: ["TriageCore", yams]),
        .target(name: "WorklistExport", dependencies: ["TriageCore", "Triage", "SliceCodec", plot, csv]),
        .target(name: "RunState", dependencies: ["TriageCore", grdb]),
        // Reading-week simulation: arrivals and readers through the configured ranking and its alternatives.
        .target(name: "Simulation", dependencies: ["TriageCore", "Triage", plot]),
        // Bench-only access to the engine's kernels (Scoring's `package` internals), for `radtriage bench` and Benchmarks/.
        .target(name: "BenchKernels", dependencies: ["Scoring"]),
        .target(name: "Benchmarking", dependencies: [
            "BenchKernels", "CDecodeBaseline", "CPipelineBaseline", "Scoring", "SliceCodec", "StudyFormat", "DICOMFormat", "DICOMStudy", "Quantification", "Synthesis", "TriageCore",
        ]),
        .target(name: "TriagePipeline", dependencies: [
            "TriageCore", "RunState", "StudyFormat", "DICOMFormat", "DICOMStudy", "SliceCodec", "Quantification", "Scoring", "Evidence", "Triage", "WorklistExport", logging,
        ]),

        // The executable: argument parsing, logging set-up, exit codes.
        .executableTarget(
            name: "radtriage",
            dependencies: ["TriageCore", "StudyFormat", "DICOMStudy", "Synthesis", "Inspection", "Scoring", "Evidence", "Triage", "RunState", "TriagePipeline", "Benchmarking", "Simulation", argumentParser, logging]
        ),

        // libFuzzer harnesses, one per parser (Fuzz/README.md); a plain build gives each a replay main.
        .target(name: "FuzzSupport", path: "Fuzz/Harnesses/FuzzSupport"),
        .executableTarget(name: "FuzzPNGDecode", dependencies: ["FuzzSupport", "SliceCodec"], path: "Fuzz/Harnesses/FuzzPNGDecode"),
        .executableTarget(name: "FuzzSidecar", dependencies: ["FuzzSupport", "StudyFormat"], path: "Fuzz/Harnesses/FuzzSidecar"),
        .executableTarget(name: "FuzzModelLoader", dependencies: ["FuzzSupport", "Scoring"], path: "Fuzz/Harnesses/FuzzModelLoader"),
        .executableTarget(name: "FuzzConfiguration", dependencies: ["FuzzSupport", "Triage"], path: "Fuzz/Harnesses/FuzzConfiguration"),
        .executableTarget(name: "FuzzDICOM", dependencies: ["FuzzSupport", "DICOMFormat", "DICOMStudy"], path: "Fuzz/Harnesses/FuzzDICOM"),
        .executableTarget(name: "FuzzShardResult", dependencies: ["FuzzSupport", "TriageCore", "TriagePipeline"], path: "Fuzz/Harnesses/FuzzShardResult"),

        // Tests: one target per library, a PNG fixture writer independent of libpng, and the CLI end to end.
        .target(name: "PNGFixtures", path: "Tests/PNGFixtures"),
        .testTarget(name: "TriageCoreTests", dependencies: ["TriageCore"]),
        .testTarget(name: "SliceCodecTests", dependencies: ["SliceCodec", "TriageCore", "PNGFixtures"]),
        .testTarget(name: "DICOMFormatTests", dependencies: ["DICOMFormat", "TriageCore"], exclude: ["Reference"]),
        .testTarget(name: "DICOMStudyTests", dependencies: ["DICOMStudy", "DICOMFormat", "Quantification", "StudyFormat", "TriageCore"]),
        .testTarget(name: "StudyFormatTests", dependencies: ["StudyFormat", "TriageCore"]),
        .testTarget(name: "QuantificationTests", dependencies: ["Quantification", "StudyFormat", "TriageCore"]),
        .testTarget(name: "SynthesisTests", dependencies: ["Synthesis", "StudyFormat", "SliceCodec", "TriageCore", "DICOMFormat"]),
        .testTarget(name: "ScoringTests", dependencies: ["Scoring", "TriageCore"], exclude: ["Reference"], resources: [.copy("Fixtures")]),
        .testTarget(name: "EvidenceTests", dependencies: ["Evidence", "TriageCore"]),
        .testTarget(name: "TriageTests", dependencies: ["Triage", "TriageCore"]),
        .testTarget(name: "WorklistExportTests", dependencies: ["WorklistExport", "TriageCore", csv]),
        .testTarget(
            name: "TriagePipelineTests",
            dependencies: ["TriagePipeline", "DICOMStudy", "Scoring", "Evidence", "Quantification", "Synthesis", "StudyFormat", "Triage", "TriageCore", "WorklistExport", grdb, logging, inMemoryLogging],
            exclude: ["Golden"]),
        .testTarget(name: "BenchmarkingTests", dependencies: ["Benchmarking", "TriagePipeline", "Scoring", "Synthesis", "TriageCore"]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "Triage", "TriageCore"]),
        .testTarget(name: "RunStateTests", dependencies: ["RunState", grdb]),
        .testTarget(name: "InspectionTests", dependencies: ["Inspection", "Synthesis", "StudyFormat", "TriageCore", "PNGFixtures"]),
        .testTarget(name: "RadtriageCLITests", dependencies: ["radtriage", "RunState", "TriagePipeline", grdb, "TriageCore", argumentParser, logging, yams]),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
