// swift-tools-version: 6.1
// Benchmarks live in their own package so that building and testing radtriage never compiles them.
// Run from this folder: `swift run -c release decode-bench`, `swift run -c release scoring-bench` (README.md here).
import PackageDescription

let package = Package(
    name: "radtriage-benchmarks",
    dependencies: [
        .package(name: "radtriage", path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "decode-bench",
            dependencies: [
                .product(name: "CDecodeBaseline", package: "radtriage"),
                .product(name: "SliceCodec", package: "radtriage"),
                .product(name: "Synthesis", package: "radtriage"),
            ],
            path: "Sources/DecodeBench"
        ),
        .executableTarget(
            name: "scoring-bench",
            dependencies: [.product(name: "Scoring", package: "radtriage"), .product(name: "BenchKernels", package: "radtriage")],
            path: "Sources/ScoringBench"
        ),
            // package-benchmark suites (`swift package benchmark`): wall clock and malloc counts per kernel.
        .executableTarget(
            name: "RadtriageBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "SliceCodec", package: "radtriage"),
                .product(name: "Synthesis", package: "radtriage"),
                .product(name: "Scoring", package: "radtriage"),
                .product(name: "BenchKernels", package: "radtriage"),
                .product(name: "StudyFormat", package: "radtriage"),
                .product(name: "TriageCore", package: "radtriage"),
                .product(name: "TriagePipeline", package: "radtriage"),
                .product(name: "WorklistExport", package: "radtriage"),
            ],
            path: "Benchmarks/RadtriageBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ]
)
