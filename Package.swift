// swift-tools-version: 6.1
//
// The layers of tractiond, as docs/architecture.md describes them. Arrows point
// at what a layer may import; nothing imports upward. The pure core
// (TractionDevice, TractionWire, TractionSafety, TractionTherapy, TractionPlant)
// has no I/O, no threads and reads no clock: time arrives as a value.

import PackageDescription

let strictSwift: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

let package = Package(
    name: "tractiond",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tractionctl", targets: ["tractionctl"]),
        .executable(name: "interlock-model", targets: ["InterlockModel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        // The table boundary: physical units, telemetry, commands, identity and
        // the TableLink protocol. Every other layer shares these types.
        .target(
            name: "TractionDevice",
            swiftSettings: strictSwift,
            // Double.rounded() and friends lower to libm calls on Linux.
            linkerSettings: [.linkedLibrary("m")]
        ),

        // Wire codec for the host <-> table serial protocol (pure).
        .target(name: "TractionWire", dependencies: ["TractionDevice"], swiftSettings: strictSwift),

        // Safety kernel: interlock state machine, detection, envelope, alarms (pure).
        .target(name: "TractionSafety", dependencies: ["TractionDevice"], swiftSettings: strictSwift),

        // Treatment programs, validation, the setpoint planner, controllers (pure).
        .target(
            name: "TractionTherapy",
            dependencies: ["TractionDevice", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSwift
        ),

        // Physical model of table and patient, and the simulated TableLink (pure).
        .target(name: "TractionPlant", dependencies: ["TractionDevice"], swiftSettings: strictSwift),

        // The admin and technician command line.
        .executableTarget(
            name: "tractionctl",
            dependencies: [
                "TractionDevice", "TractionTherapy",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift
        ),

        // Emits the Promela model of the interlock transition table for spin.
        .executableTarget(
            name: "InterlockModel",
            dependencies: ["TractionSafety", "TractionDevice"],
            swiftSettings: strictSwift
        ),

        .testTarget(
            name: "TractionDeviceTests",
            dependencies: ["TractionDevice", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "TractionWireTests",
            dependencies: ["TractionWire", "TractionDevice", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "TractionSafetyTests",
            dependencies: ["TractionSafety", "TractionDevice", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "TractionTherapyTests",
            dependencies: ["TractionTherapy", "TractionDevice", .product(name: "PropertyBased", package: "swift-property-based")],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "TractionPlantTests",
            dependencies: ["TractionPlant", "TractionTherapy", "TractionDevice", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strictSwift
        ),
        // Runs the real tractionctl binary as a person would.
        .testTarget(
            name: "TractionctlTests",
            dependencies: ["tractionctl", "TractionTherapy", "TractionDevice"],
            // Golden help texts, read from the source tree by HelpGoldenTests.
            exclude: ["Golden"],
            swiftSettings: strictSwift
        ),
    ]
)
