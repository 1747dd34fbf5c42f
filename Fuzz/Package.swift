// swift-tools-version: 6.1
//
// libFuzzer targets for the parsers and handlers of tractiond (docs/performance.md,
// "Fuzzing"), in their own package so that `make test`'s ordinary build does
// not build them. Fuzz/build-target.sh builds one with the sanitizers given as
// one flag (-sanitize=fuzzer,address; PLATFORM.md), scripts/fuzz.sh runs the
// long runs and scripts/checks/fuzz-smoke.sh the short ones. The wire frame
// decoder's target (Fuzz/FuzzFrameDecoder.swift) is built by Fuzz/build.sh.

import PackageDescription

let package = Package(
    name: "tractiond-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "tractiond", path: ".."),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
    ],
    targets: [
        // The control socket's request path: line framing, JSON, params and
        // the real DaemonService on a control loop ticked by the fuzzer.
        .executableTarget(
            name: "FuzzControlRequest",
            dependencies: [
                .product(name: "TractionControlProtocol", package: "tractiond"),
                .product(name: "TractionService", package: "tractiond"),
                .product(name: "TractionDaemon", package: "tractiond"),
                .product(name: "TractionEngine", package: "tractiond"),
                .product(name: "TractionPlant", package: "tractiond"),
                .product(name: "TractionDevice", package: "tractiond"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Targets/FuzzControlRequest",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // Treatment program files: ProgramValidator and the plan of a valid one.
        .executableTarget(
            name: "FuzzProgram",
            dependencies: [
                .product(name: "TractionTherapy", package: "tractiond"),
                .product(name: "TractionDevice", package: "tractiond"),
            ],
            path: "Targets/FuzzProgram",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // The daemon's configuration file, YAML and TOML.
        .executableTarget(
            name: "FuzzConfiguration",
            dependencies: [
                .product(name: "TractionConfiguration", package: "tractiond"),
                .product(name: "TractionTherapy", package: "tractiond"),
            ],
            path: "Targets/FuzzConfiguration",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
