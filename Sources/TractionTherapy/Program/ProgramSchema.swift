/// The keys the program format knows, per level and per phase mode. The
/// reference is docs/programs.md; this is its machine-readable half.
public enum ProgramSchema {
    static let topLevelKeys = ["name", "description", "region", "limits", "release", "phases"]
    static let limitsKeys = ["body_weight_fraction", "maximum_force"]
    static let angleKeys = ["flexion", "lateral_tilt", "rotation"]

    static let commonPhaseKeys = [
        "name", "mode", "ramp_up", "ramp_down", "ramp_up_shape", "ramp_down_shape",
        "angles", "articulation", "angle_move_force",
    ]

    static func modeKeys(_ mode: PhaseMode) -> [String] {
        switch mode {
        case .static: ["hold_force", "hold_time"]
        case .intermittent: ["hold_force", "rest_force", "hold_time", "rest_time", "cycles"]
        case .progressive, .regressive:
            ["first_hold_force", "last_hold_force", "steps", "cycles_per_step", "rest_force", "hold_time", "rest_time"]
        case .cyclic: ["hold_force", "rest_force", "cycles"]
        }
    }

    static func phaseKeys(_ mode: PhaseMode?) -> [String] {
        guard let mode else { return commonPhaseKeys + allModeKeys }
        return commonPhaseKeys + modeKeys(mode)
    }

    static var allModeKeys: [String] {
        var keys: [String] = []
        for mode in PhaseMode.allCases {
            for key in modeKeys(mode) where !keys.contains(key) { keys.append(key) }
        }
        return keys
    }

    /// For a phase of `mode`: keys that belong to other modes, with the reason
    /// they are refused here. Worked out once per mode: every phase asks.
    static func keysOfOtherModes(than mode: PhaseMode?) -> [String: String] {
        guard let mode else { return [:] }
        return otherModeKeys[mode] ?? [:]
    }

    private static let otherModeKeys: [PhaseMode: [String: String]] = {
        var byMode: [PhaseMode: [String: String]] = [:]
        for mode in PhaseMode.allCases {
            var result: [String: String] = [:]
            for key in allModeKeys where !modeKeys(mode).contains(key) {
                let users = PhaseMode.allCases.filter { modeKeys($0).contains(key) }.map(\.rawValue)
                result[key] = "not used by \(mode.rawValue) phases (only by \(users.joined(separator: ", ")))"
            }
            byMode[mode] = result
        }
        return byMode
    }()

    /// Limits on counts a person could plausibly mean.
    static let cycleRange = 1...1000
    static let stepRange = 2...50
    static let maximumNameLength = 64
    /// A phase name is shown on one line of a console.
    static let maximumPhaseNameLength = 64

    /// The largest program file: the shipped programs are under 2 KiB; a
    /// larger file is no program a person wrote, and it is refused before
    /// its YAML is parsed, so validation stays fast whatever the input.
    public static let maximumFileBytes = 262_144
    /// The most phases a program may have: the shipped ones have at most
    /// five, and a session lasts at most an hour. More are refused before
    /// any phase is read.
    public static let maximumPhases = 100
    /// The most mistakes listed for one file; the rest are counted. A
    /// person fixes a file from its first mistakes, and a list that grows
    /// with the file would make a bad file expensive to check and to send.
    public static let maximumDiagnostics = 100
}
