// swift-tools-version: 6.1
//
// The layers of tractiond, as docs/architecture.md describes them. Arrows point
// at what a layer may import; nothing imports upward. The pure core
// (TractionDevice, TractionWire, TractionSafety, TractionTherapy, TractionPlant,
// TractionEngine, TractionReplay) has no I/O, no threads and reads no clock:
// time arrives as a value. TractionPlatform is the one way to the operating
// system's clock, errno, descriptors and log. A target added here needs its row
// in docs/architecture.md (ArchitectureDocumentTests checks it).

import PackageDescription

let strictSwift: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

// The simulation core (plant, engine, safety, therapy, the replay and the
// daemon's simulation) is optimised even in debug builds: the closed-loop tests replay whole treatment programs against
// the plant, which runs about 30 times faster optimised. Tests still build
// with testability, so `@testable import` keeps working.
let simulationSpeed: [SwiftSetting] = strictSwift + [
    .unsafeFlags(["-O"], .when(configuration: .debug)),
]

let package = Package(
    name: "tractiond",
    platforms: [.macOS(.v15)],
    products: [
        // The table emulator and the link benchmark (`make bench`).
        .executable(name: "tractionemu", targets: ["tractionemu"]),
        .executable(name: "traction-linkbench", targets: ["LinkBenchmark"]),
        // Libraries for the benchmark package in Benchmarks/.
        .library(name: "TractionDevice", targets: ["TractionDevice"]),
        .library(name: "TractionControlProtocol", targets: ["TractionControlProtocol"]),
        .library(name: "TractionControl", targets: ["TractionControl"]),
        .library(name: "TractionControlClient", targets: ["TractionControlClient"]),
        .library(name: "TractionDaemon", targets: ["TractionDaemon"]),
        .library(name: "TractionEngine", targets: ["TractionEngine"]),
        .library(name: "TractionPlant", targets: ["TractionPlant"]),
        .library(name: "TractionTherapy", targets: ["TractionTherapy"]),
        .library(name: "TractionConfiguration", targets: ["TractionConfiguration"]),
        // For the fuzzing package in Fuzz/ (the control request path).
        .library(name: "TractionService", targets: ["TractionService"]),
        .executable(name: "tractiond", targets: ["tractiond"]),
        .executable(name: "tractionctl", targets: ["tractionctl"]),
        .executable(name: "interlock-model", targets: ["InterlockModel"]),
        .executable(name: "traction-loopbench", targets: ["LoopBenchmark"]),
        .executable(name: "traction-enginebench", targets: ["EngineBenchmark"]),
        .executable(name: "traction-controlbench", targets: ["ControlBenchmark"]),
        .executable(name: "traction-soak", targets: ["SoakRunner"]),
        .executable(name: "traction-sim", targets: ["TractionSim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
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

        // What every process needs from the operating system, in one place:
        // the monotonic clock (the only reader of CLOCK_MONOTONIC), typed
        // errno, descriptor waits and writes with EINTR handled, the line
        // writer the logs go through and the swift-log handler that gives
        // each line its journald priority. Not pure: it is the core's way out.
        .target(
            name: "TractionPlatform",
            dependencies: ["TractionDevice", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift
        ),

        // Wire codec for the host <-> table serial protocol (pure).
        .target(name: "TractionWire", dependencies: ["TractionDevice"], swiftSettings: strictSwift),

        // libserialport through pkg-config (Debian: libserialport-dev).
        .systemLibrary(
            name: "CLibSerialPort",
            pkgConfig: "libserialport",
            providers: [.apt(["libserialport-dev"])]
        ),

        // Serial transport: libserialport for real ports, termios for pseudo-terminals.
        .target(
            name: "TractionSerial", dependencies: ["CLibSerialPort", "TractionDevice", "TractionPlatform"],
            swiftSettings: strictSwift
        ),

        // Round trip through the libserialport code path; run by scripts/checks/libserialport-path.sh.
        .executableTarget(name: "SerialLoopbackProbe", dependencies: ["TractionSerial", "TractionWire", "TractionDevice"], swiftSettings: strictSwift),

        // Lock-free queues shared by the control thread and the threads that
        // feed it (the daemon's service thread, the link's I/O thread).
        .target(name: "TractionQueues", swiftSettings: strictSwift),

        // SerialTableLink: the wire protocol over a serial port, with its I/O thread.
        .target(
            name: "TractionLink",
            dependencies: ["TractionDevice", "TractionWire", "TractionSerial", "TractionQueues", "TractionPlatform"],
            swiftSettings: strictSwift
        ),

        // The table emulator: the plant behind the wire protocol on a pty.
        .executableTarget(
            name: "tractionemu",
            dependencies: [
                "TractionDevice", "TractionWire", "TractionSerial", "TractionPlant", "TractionPlatform",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift
        ),

        // Decoder throughput and command-to-telemetry latency (`make bench`).
        .executableTarget(
            name: "LinkBenchmark",
            dependencies: ["TractionLink", "TractionWire", "TractionSerial", "TractionDevice", "TractionPlatform"],
            swiftSettings: strictSwift
        ),

        // Safety kernel: interlock state machine, detection, envelope, alarms (pure).
        .target(name: "TractionSafety", dependencies: ["TractionDevice"], swiftSettings: simulationSpeed),

        // Treatment programs, validation, the setpoint planner, controllers (pure).
        .target(
            name: "TractionTherapy",
            dependencies: ["TractionDevice", .product(name: "Yams", package: "Yams")],
            swiftSettings: simulationSpeed
        ),

        // Physical model of table and patient, and the simulated TableLink (pure).
        .target(name: "TractionPlant", dependencies: ["TractionDevice"], swiftSettings: simulationSpeed),

        // The deterministic core: safety, planner, controllers, safety clamp (pure).
        .target(
            name: "TractionEngine",
            dependencies: ["TractionDevice", "TractionSafety", "TractionTherapy"],
            swiftSettings: simulationSpeed
        ),

        // Replay: the engine against the plant on a virtual clock, reports and charts (pure).
        .target(
            name: "TractionReplay",
            dependencies: ["TractionDevice", "TractionEngine", "TractionPlant", "TractionSafety", "TractionTherapy"],
            swiftSettings: simulationSpeed
        ),

        // The control socket's messages (docs/control-protocol.md): JSON-RPC
        // envelopes, typed params and results, error codes, roles (pure).
        .target(name: "TractionControlProtocol", swiftSettings: strictSwift),

        // The control socket server: socket files, peer credentials and roles,
        // framing, per-client queues, subscriptions and the audit list, on one
        // service thread (docs/control-protocol.md).
        .target(
            name: "TractionControl",
            dependencies: [
                "TractionControlProtocol", "TractionDevice", "TractionPlatform",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // A blocking client of the control socket: connect, hello, requests
        // with ids and timeouts, notifications (tractionctl, tests, benchmarks).
        .target(
            name: "TractionControlClient", dependencies: ["TractionControlProtocol", "TractionPlatform"],
            swiftSettings: strictSwift
        ),

        // The daemon's configuration file (YAML or TOML): schema, defaults,
        // validation against SAFETY.md, mapping to the engine, reload policy.
        .target(
            name: "TractionConfiguration",
            dependencies: [
                "TractionDevice", "TractionSafety", "TractionTherapy", "TractionEngine",
                .product(name: "Yams", package: "Yams"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strictSwift
        ),

        // Thin C wrappers for system calls Swift cannot call (prctl is variadic).
        .target(name: "CTractionSystem"),

        // The daemon's runtime: the real-time control thread and, later, the
        // socket server, recorder and systemd integration.
        .target(
            name: "TractionDaemon",
            dependencies: [
                "TractionDevice", "TractionEngine", "TractionSafety", "TractionTherapy", "CTractionSystem", "TractionQueues",
                "TractionPlatform",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strictSwift
        ),

        // The daemon's service side: the control socket's methods on top of
        // the runtime, session records, the interrupted-session marker.
        .target(
            name: "TractionService",
            dependencies: [
                "TractionDaemon", "TractionControl", "TractionControlProtocol", "TractionDevice", "TractionEngine",
                "TractionSafety", "TractionTherapy", "TractionPlatform",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),

        // The deterministic simulation of the whole daemon: service, control
        // loop, link model and plant on one virtual clock (docs/simulation.md).
        .target(
            name: "TractionSimulation",
            dependencies: [
                "TractionService", "TractionDaemon", "TractionControlProtocol", "TractionDevice", "TractionEngine",
                "TractionLink", "TractionPlant", "TractionSafety", "TractionTherapy", "TractionWire",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: simulationSpeed
        ),
        .executableTarget(
            name: "TractionSim",
            dependencies: ["TractionSimulation", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: simulationSpeed
        ),

        // Measures control-loop lateness and overruns (`make bench`).
        .executableTarget(
            name: "LoopBenchmark",
            dependencies: ["TractionDaemon", "TractionDevice", "TractionEngine", "TractionPlant", "TractionTherapy"],
            swiftSettings: strictSwift
        ),

        // The daemon.
        .executableTarget(
            name: "tractiond",
            dependencies: [
                "TractionDaemon", "TractionDevice", "TractionEngine", "TractionPlant", "TractionSafety",
                "TractionTherapy", "TractionSerial", "TractionLink", "TractionService", "TractionConfiguration", "TractionControlProtocol", "TractionControl",
                "TractionReplay", "TractionPlatform",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),

        // Replay speed and force tracking against their goals (`make bench`).
        .executableTarget(
            name: "EngineBenchmark",
            dependencies: [
                "TractionDevice", "TractionEngine", "TractionPlant", "TractionReplay", "TractionTherapy", "TractionPlatform",
            ],
            swiftSettings: strictSwift
        ),

        // The safety sweeps over their full grids (`make soak`).
        .executableTarget(
            name: "SoakRunner",
            dependencies: [
                "TractionDevice", "TractionEngine", "TractionPlant", "TractionReplay", "TractionTherapy", "TractionPlatform",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift
        ),

        // The control socket against its goals: status round trip, 64
        // subscribers during a session, RSS and CPU (`make bench`).
        .executableTarget(name: "ControlBenchmark", dependencies: ["TractionPlatform"], swiftSettings: strictSwift),

        // The admin and technician command line.
        .executableTarget(
            name: "tractionctl",
            dependencies: [
                "TractionDevice", "TractionTherapy", "TractionEngine", "TractionPlant", "TractionReplay",
                "TractionControlProtocol", "TractionControlClient", "TractionSerial", "TractionConfiguration",
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
            name: "TractionControlProtocolTests",
            dependencies: ["TractionControlProtocol", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strictSwift
        ),
        // The server over real Unix sockets in a temporary directory.
        .testTarget(
            name: "TractionControlTests",
            dependencies: ["TractionTestSupport", 
                "TractionControl", "TractionControlProtocol", "TractionDevice",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSwift
        ),
        // What the test targets share: the deadline poll (`waitUntil`), the
        // bounded observation (`holdsFor`) and the tags (`ptyTiming`). A
        // regular target, so every test target can depend on it.
        .target(
            name: "TractionTestSupport",
            dependencies: ["TractionPlatform", "TractionDevice"],
            path: "Tests/TractionTestSupport",
            swiftSettings: strictSwift
        ),
        .testTarget(name: "TractionPlatformTests", dependencies: ["TractionTestSupport", "TractionPlatform", "TractionDevice"], swiftSettings: strictSwift),
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
            name: "TractionSerialTests",
            dependencies: ["TractionSerial", "TractionWire", "TractionDevice"],
            // The LD_PRELOAD shim is compiled by scripts/checks/libserialport-path.sh, not linked here.
            exclude: ["ModemControlShim"],
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
        .testTarget(
            name: "TractionDaemonTests",
            dependencies: ["TractionTestSupport", 
                "TractionDaemon", "TractionDevice", "TractionEngine", "TractionPlant", "TractionSafety", "TractionTherapy",
                "TractionLink", "TractionSerial", "TractionWire",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSwift
        ),
        // DaemonService against a real runtime and the simulated table.
        .testTarget(
            name: "TractionServiceTests",
            dependencies: ["TractionTestSupport", 
                "TractionService", "TractionDaemon", "TractionControlProtocol", "TractionDevice", "TractionEngine",
                "TractionPlant", "TractionSafety", "TractionTherapy", "TractionPlatform",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "TractionEngineTests",
            dependencies: [
                "TractionEngine", "TractionPlant", "TractionSafety", "TractionTherapy", "TractionDevice",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "TractionConfigurationTests",
            dependencies: [
                "TractionConfiguration", "TractionEngine", "TractionSafety", "TractionTherapy", "TractionDevice",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "TractionReplayTests",
            dependencies: ["TractionReplay", "TractionDevice"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "TractionSimulationTests",
            dependencies: ["TractionSimulation", "TractionDevice", "TractionPlant", "TractionTherapy"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "TractionLinkTests",
            dependencies: ["TractionTestSupport", "TractionLink", "TractionWire", "TractionSerial", "TractionDevice"],
            swiftSettings: strictSwift
        ),
        // The engine drives the real tractionemu binary over a pty.
        .testTarget(
            name: "TractionEmulatorTests",
            dependencies: ["TractionTestSupport", 
                "tractionemu", "TractionLink", "TractionEngine", "TractionTherapy", "TractionSafety",
                "TractionDaemon", "TractionDevice",
            ],
            // Read from the source tree by path (#filePath), not bundled.
            exclude: ["Fixtures"],
            swiftSettings: strictSwift
        ),
        // The client against scripted servers on real Unix sockets.
        .testTarget(
            name: "TractionControlClientTests",
            dependencies: ["TractionControlClient", "TractionControlProtocol"],
            swiftSettings: strictSwift
        ),
        // Runs the real tractionctl binary as a person would.
        .testTarget(
            name: "TractionctlTests",
            dependencies: ["TractionPlatform", "TractionTestSupport", 
                "tractionctl", "tractiond", "TractionTherapy", "TractionDevice",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            // Golden help texts, read from the source tree by HelpGoldenTests.
            exclude: ["Golden"],
            swiftSettings: strictSwift
        ),
    ]
)
