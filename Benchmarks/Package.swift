// swift-tools-version: 6.1
//
// Benchmarks of tractiond, kept in their own package so that `make test` does
// not build the benchmark framework. Run them with `make bench`.

import PackageDescription

let package = Package(
    name: "tractiond-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "tractiond", path: ".."),
        // The default trait needs a package that is not mirrored here; only
        // the malloc interposer is needed, for the allocation counts.
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "TickBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TractionDaemon", package: "tractiond"),
                .product(name: "TractionDevice", package: "tractiond"),
                .product(name: "TractionEngine", package: "tractiond"),
                .product(name: "TractionPlant", package: "tractiond"),
                .product(name: "TractionTherapy", package: "tractiond"),
            ],
            path: "Benchmarks/TickBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
