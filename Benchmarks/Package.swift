// swift-tools-version: 6.1
// Benchmarks live in their own package so that building and testing radtriage never compiles them.
// Run from this folder: `swift run -c release decode-bench`, `swift run -c release scoring-bench` (README.md here).
import PackageDescription

let package = Package(
    name: "radtriage-benchmarks",
    dependencies: [
        .package(name: "radtriage", path: ".."),
    ],
    targets: [
        // The bound: the plain libpng decode loop a C programmer would write, independent of radtriage's shim.
        
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
            dependencies: [.product(name: "Scoring", package: "radtriage")],
            path: "Sources/ScoringBench"
        ),
    ]
)
