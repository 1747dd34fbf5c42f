/// The angle axes a table may have besides the traction axis. A table has any
/// subset of them; its `TableIdentity` says which.
public enum AngleAxis: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Pull angle: elevation of the traction line above the table (flexion).
    case flexion
    /// Sideways tilt of the pull in the frontal plane.
    case lateralTilt = "lateral_tilt"
    /// Rotation of the pull about the body's long axis.
    case rotation

    public var description: String {
        switch self {
        case .flexion: "pull angle (flexion)"
        case .lateralTilt: "lateral tilt"
        case .rotation: "rotation"
        }
    }
}

/// One angle per axis. A fixed-size value (no dictionary) so that the control
/// path can carry it without allocating. An axis a table lacks stays at 0°.
public struct Angles: Sendable, Hashable, Codable, CustomStringConvertible {
    public var flexion: Degrees
    public var lateralTilt: Degrees
    public var rotation: Degrees

    public init(flexion: Degrees = .zero, lateralTilt: Degrees = .zero, rotation: Degrees = .zero) {
        self.flexion = flexion
        self.lateralTilt = lateralTilt
        self.rotation = rotation
    }

    public static let zero = Angles()

    public subscript(axis: AngleAxis) -> Degrees {
        get {
            switch axis {
            case .flexion: flexion
            case .lateralTilt: lateralTilt
            case .rotation: rotation
            }
        }
        set {
            switch axis {
            case .flexion: flexion = newValue
            case .lateralTilt: lateralTilt = newValue
            case .rotation: rotation = newValue
            }
        }
    }

    /// The largest per-axis difference between two sets of angles.
    public func largestDifference(from other: Angles) -> Degrees {
        Swift.max((flexion - other.flexion).magnitude,
                  (lateralTilt - other.lateralTilt).magnitude,
                  (rotation - other.rotation).magnitude)
    }

    public var description: String {
        "flexion \(flexion.value)°, lateral tilt \(lateralTilt.value)°, rotation \(rotation.value)°"
    }
}

/// Per-axis angular rates; same layout as `Angles`.
public struct AngleRates: Sendable, Hashable, Codable {
    public var flexion: DegreesPerSecond
    public var lateralTilt: DegreesPerSecond
    public var rotation: DegreesPerSecond

    public init(flexion: DegreesPerSecond = .zero, lateralTilt: DegreesPerSecond = .zero,
                rotation: DegreesPerSecond = .zero) {
        self.flexion = flexion
        self.lateralTilt = lateralTilt
        self.rotation = rotation
    }

    public static let zero = AngleRates()

    public subscript(axis: AngleAxis) -> DegreesPerSecond {
        get {
            switch axis {
            case .flexion: flexion
            case .lateralTilt: lateralTilt
            case .rotation: rotation
            }
        }
        set {
            switch axis {
            case .flexion: flexion = newValue
            case .lateralTilt: lateralTilt = newValue
            case .rotation: rotation = newValue
            }
        }
    }
}

/// The part of the spine a session treats. Each region has a hard force cap
/// in the daemon's configuration.
public enum TreatmentRegion: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case lumbar
    case cervical

    public var description: String { rawValue }
}
