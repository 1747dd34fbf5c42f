import TractionDevice
import TractionEngine
import TractionSafety
import TractionTherapy

/// `limits`: the treatment limits and the safety kernel's thresholds,
/// decoded straight into the typed limits the engine runs with. Every key,
/// with its unit, range and hazard, is a row of `LimitSetting.all`; the
/// defaults are the typed limits' own, so a threshold is changed in one
/// place (issue 12, item 6).
public struct LimitsSection: Sendable, Hashable {
    /// The planner's limits. Its `patientWeightRange` is built from the two
    /// weights below when the engine configuration is made.
    public var therapy = TherapyLimits.standard
    /// The safety kernel's thresholds. Its region hard caps are derived from
    /// the therapy caps (`DaemonConfiguration.kernelForceCap(for:)`); its
    /// tick and telemetry periods from the loop rate.
    public var safety = SafetyConfiguration()
    /// What the start-up self-test checks.
    public var selfTest = SelfTestCriteria()
    /// The lightest and heaviest patient a session accepts (H12), kept apart
    /// until validated: a file may give them in the wrong order.
    public var patientWeightMinimum = TherapyLimits.standard.patientWeightRange.lowerBound
    public var patientWeightMaximum = TherapyLimits.standard.patientWeightRange.upperBound

    public init() {}

    /// Sets the key `key` (e.g. `limits.safety.slack_force_n`) to `value`,
    /// given in the key's unit, as a file would. Returns false for a key the
    /// schema does not have.
    @discardableResult
    public mutating func set(_ key: String, _ value: Double) -> Bool {
        guard let setting = LimitSetting.setting(key) else { return false }
        setting.write(&self, value)
        return true
    }
}

/// The names one level of `limits` may hold, from `LimitSetting.all`: the
/// keys directly below it and the tables of the level below.
protocol LimitKeyLevel {
    /// The path of the level below `limits`: [] for `limits` itself.
    static var path: [String] { get }
}

enum TopLimitLevel: LimitKeyLevel { static var path: [String] { [] } }
enum LumbarLimitLevel: LimitKeyLevel { static var path: [String] { ["lumbar"] } }
enum CervicalLimitLevel: LimitKeyLevel { static var path: [String] { ["cervical"] } }
enum SafetyLimitLevel: LimitKeyLevel { static var path: [String] { ["safety"] } }
enum SelfTestLimitLevel: LimitKeyLevel { static var path: [String] { ["self_test"] } }

/// A key of one level of `limits`. `CaseIterable`, so the configuration
/// decoder reports every key of the file the schema does not know.
struct LimitKey<Level: LimitKeyLevel>: CodingKey, CaseIterable {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }

    static var allCases: [LimitKey] {
        var names: [String] = []
        for setting in LimitSetting.all {
            let components = setting.components
            guard components.count > Level.path.count, Array(components.prefix(Level.path.count)) == Level.path else {
                continue
            }
            let name = components[Level.path.count]
            if !names.contains(name) { names.append(name) }
        }
        var keys: [LimitKey] = []
        for name in names { keys.append(LimitKey(name)) }
        return keys
    }
}

extension LimitsSection: Codable {
    public init(from decoder: any Decoder) throws {
        self.init()
        let top = try decoder.container(keyedBy: LimitKey<TopLimitLevel>.self)
        read(top, level: TopLimitLevel.self)
        nested(top, "lumbar", LumbarLimitLevel.self)
        nested(top, "cervical", CervicalLimitLevel.self)
        nested(top, "safety", SafetyLimitLevel.self)
        nested(top, "self_test", SelfTestLimitLevel.self)
    }

    /// Reads the table `name` below `top` when the file has it; a value that
    /// is not a table was recorded as a problem by the decoder.
    private mutating func nested<Level: LimitKeyLevel>(_ top: KeyedDecodingContainer<LimitKey<TopLimitLevel>>,
                                                       _ name: String, _ level: Level.Type) {
        let key = LimitKey<TopLimitLevel>(name)
        guard top.contains(key), let container = try? top.nestedContainer(keyedBy: LimitKey<Level>.self, forKey: key)
        else { return }
        read(container, level: level)
    }

    /// Reads every setting of `level`; an absent key keeps the default, a
    /// wrong one is recorded by the decoder and keeps the default too.
    private mutating func read<Level: LimitKeyLevel>(_ container: KeyedDecodingContainer<LimitKey<Level>>,
                                                     level: Level.Type) {
        for setting in LimitSetting.all where Array(setting.components.dropLast()) == Level.path {
            let key = LimitKey<Level>(setting.components.last!)
            guard container.contains(key) else { continue }
            let current = setting.read(self)
            let value: Double
            if setting.isInteger {
                value = Double((try? container.setting(key, default: Int(saturating: current))) ?? Int(saturating: current))
            } else {
                value = (try? container.setting(key, default: current)) ?? current
            }
            setting.write(&self, value)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var top = encoder.container(keyedBy: LimitKey<TopLimitLevel>.self)
        var groups: [String] = []
        for setting in LimitSetting.all {
            let components = setting.components
            if components.count == 1 {
                try Self.encode(setting, of: self, into: &top, key: LimitKey(components[0]))
            } else if !groups.contains(components[0]) {
                groups.append(components[0])
            }
        }
        // One nested table per group, written once with all its keys.
        for group in groups {
            var nested = top.nestedContainer(keyedBy: LimitKey<TopLimitLevel>.self, forKey: LimitKey(group))
            for setting in LimitSetting.all where setting.components.count == 2 && setting.components[0] == group {
                try Self.encode(setting, of: self, into: &nested, key: LimitKey(setting.components[1]))
            }
        }
    }

    private static func encode(_ setting: LimitSetting, of limits: LimitsSection,
                               into container: inout KeyedEncodingContainer<LimitKey<TopLimitLevel>>,
                               key: LimitKey<TopLimitLevel>) throws {
        let value = setting.read(limits)
        if setting.isInteger {
            try container.encode(Int(saturating: value), forKey: key)
        } else {
            try container.encode(value, forKey: key)
        }
    }
}
