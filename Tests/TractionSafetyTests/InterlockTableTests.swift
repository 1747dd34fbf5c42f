import Testing
import TractionDevice
@testable import TractionSafety

/// Enumerates every (state, event) pair of the interlock table against an
/// expectation written out independently of the rules, as a matrix.
@Suite
struct InterlockTableTests {
    /// Columns, in order: offline connecting selfTest ready armed treating
    /// paused releasing fault emergency. A cell is the target state (OFF CON
    /// ST RDY ARM TRT PAU REL FLT EMG), `=` for staying (accepted), `-` for a
    /// refusal as not allowed, `x` for a refusal as nothing to reset. A `?`
    /// marks a guarded transition.
    static let expected: [InterlockEvent: String] = [
        .linkConnected: /*              */ "CON  -    -    -    -    -    -    -    =    =  ",
        .handshakeDone: /*              */ "-    ST   -    -    -    -    -    -    =    =  ",
        .linkLost: /*                   */ "=    OFF  OFF  OFF  FLT  FLT  FLT  FLT  =    =  ",
        .telemetryLost: /*              */ "=    OFF  OFF  OFF  FLT  FLT  FLT  FLT  =    =  ",
        .selfTestPassed: /*             */ "-    -    RDY  -    -    -    -    -    -    -  ",
        .selfTestFailed: /*             */ "-    -    FLT  -    -    -    -    -    -    -  ",
        .arm: /*                        */ "-    -    -    ARM? -    -    -    -    -    -  ",
        .start: /*                      */ "-    -    -    -    TRT? -    -    -    -    -  ",
        .pause: /*                      */ "-    -    -    -    -    PAU  -    -    -    -  ",
        .resume: /*                     */ "-    -    -    -    -    -    TRT? -    -    -  ",
        .adjust: /*                     */ "-    -    -    -    =    =    =    -    -    -  ",
        .stop: /*                       */ "=    =    =    =    RDY  REL  REL  =    =    =  ",
        .acknowledge: /*                */ "=    =    =    =    =    =    =    =    =    =  ",
        .reset: /*                      */ "x    x    x    x    x    x    x    x    ST?  ST?",
        .sessionComplete: /*            */ "-    -    -    -    -    REL  -    -    -    -  ",
        .slackReached: /*               */ "-    -    -    -    -    -    -    RDY  =    =  ",
        .overForceLimit: /*             */ "FLT  FLT  FLT  FLT  REL  REL  REL  =    =    =  ",
        .overForceHardCap: /*           */ "EMG  EMG  EMG  EMG  EMG  EMG  EMG  EMG  EMG  =  ",
        .forceRateExceeded: /*          */ "=    =    =    =    =    =    =    =    =    =  ",
        .forceSensorStuck: /*           */ "FLT  FLT  FLT  FLT  FLT  FLT  FLT  FLT  =    =  ",
        .forceSensorOutOfRange: /*      */ "FLT  FLT  FLT  FLT  FLT  FLT  FLT  FLT  =    =  ",
        .forceSensorImplausible: /*     */ "FLT  FLT  FLT  FLT  FLT  FLT  FLT  FLT  =    =  ",
        .telemetryStale: /*             */ "=    =    =    =    =    =    =    =    =    =  ",
        .patientSwitchPressed: /*       */ "EMG  EMG  EMG  EMG  EMG  EMG  EMG  EMG  EMG  =  ",
        .patientSwitchChannelsDisagree: "FLT  FLT  FLT  FLT  FLT  FLT  FLT  FLT  =    =  ",
        .emergencyStop: /*              */ "EMG  EMG  EMG  EMG  EMG  EMG  EMG  EMG  EMG  =  ",
        .harnessOpen: /*                */ "=    =    =    =    REL  REL  REL  =    =    =  ",
        .angleOutOfRange: /*            */ "=    =    =    =    REL  REL  REL  =    =    =  ",
        .angleMovedUnderTension: /*     */ "=    =    =    =    REL  REL  REL  =    =    =  ",
        .angleFollowingError: /*        */ "=    =    =    =    REL  REL  REL  =    =    =  ",
        .driveFault: /*                 */ "FLT  FLT  FLT  FLT  FLT  FLT  FLT  FLT  =    =  ",
        .overrunBudgetExceeded: /*      */ "=    =    =    =    =    =    =    =    =    =  ",
        .overrunHardBudgetExceeded: /*  */ "FLT  FLT  FLT  FLT  FLT  FLT  FLT  FLT  =    =  ",
        .releaseNotProgressing: /*      */ "EMG  EMG  EMG  EMG  EMG  EMG  EMG  EMG  EMG  =  ",
    ]

    static let abbreviations: [String: InterlockState] = [
        "OFF": .offline, "CON": .connecting, "ST": .selfTest, "RDY": .ready, "ARM": .armed,
        "TRT": .treating, "PAU": .paused, "REL": .releasing, "FLT": .fault, "EMG": .emergency,
    ]

    @Test
    func everyPairHasTheExpectedOutcome() {
        #expect(Self.expected.count == InterlockEvent.allCases.count, "an event has no expectation row")
        var checked = 0
        for event in InterlockEvent.allCases {
            let cells = (Self.expected[event] ?? "").split(separator: " ").map(String.init)
            #expect(cells.count == InterlockState.allCases.count, "row of \(event) has \(cells.count) cells")
            for (state, cell) in zip(InterlockState.allCases, cells) {
                let outcome = InterlockTable.outcome(of: event, in: state)
                let guarded = cell.hasSuffix("?")
                let code = guarded ? String(cell.dropLast()) : cell
                switch (code, outcome) {
                case ("-", .refuse(let reason)):
                    #expect(reason == .notAllowedInState, "\(state) + \(event)")
                case ("x", .refuse(let reason)):
                    #expect(reason == .nothingToReset, "\(state) + \(event)")
                case ("=", .accept(let target, _, let transitionGuard)):
                    #expect(target == state, "\(state) + \(event) should stay")
                    #expect(transitionGuard == .none, "\(state) + \(event) should be unguarded")
                case (_, .accept(let target, _, let transitionGuard)):
                    #expect(target == Self.abbreviations[code], "\(state) + \(event): expected \(code), got \(target)")
                    #expect((transitionGuard != .none) == guarded, "\(state) + \(event): guard \(transitionGuard)")
                default:
                    Issue.record("\(state) + \(event): expected \(cell), got \(outcome)")
                }
                checked += 1
            }
        }
        #expect(checked == InterlockState.allCases.count * InterlockEvent.allCases.count)
    }

    @Test func noPairIsNamedByTwoRules() {
        #expect(InterlockTable.conflictingRules.isEmpty)
    }

    @Test func tensionCanRiseOnlyInTreating() {
        for state in InterlockState.allCases {
            #expect(state.policy.tensionIncreaseAllowed == (state == .treating), "\(state)")
        }
    }

    @Test func releaseStatesForceTheirReleaseProfile() {
        #expect(InterlockState.releasing.policy.forcedRelease == .normal)
        #expect(InterlockState.fault.policy.forcedRelease == .normal)
        #expect(InterlockState.emergency.policy.forcedRelease == .emergency)
        for state in InterlockState.allCases where ![.releasing, .fault, .emergency].contains(state) {
            #expect(state.policy.forcedRelease == .none, "\(state)")
        }
    }

    /// The release is the state's, not the transition's: every accepted
    /// move into releasing, fault or emergency lands in a state whose policy
    /// forces a release (or, after a cutDrive rule, latches the drive off),
    /// and the table carries no action that claims to release.
    @Test func everyWayIntoAReleaseStateReleasesByThatStatesPolicy() {
        var entries = 0
        for state in InterlockState.allCases {
            for event in InterlockEvent.allCases {
                guard case .accept(let target, let actions, _) = InterlockTable.outcome(of: event, in: state),
                      target != state, [.releasing, .fault, .emergency].contains(target) else { continue }
                entries += 1
                #expect(target.policy.forcedRelease != .none, "\(state) + \(event) -> \(target)")
                #expect(target.policy.drive == .enabledUntilSlack || actions.contains(.disableDrive),
                        "\(state) + \(event) -> \(target) neither keeps the drive on to release nor cuts it")
            }
        }
        // linkLost, telemetryLost, stop, sessionComplete, selfTestFailed and
        // every detected condition with a reaction: far more than a handful.
        #expect(entries > 100)
        #expect(InterlockActions.named.allSatisfy { !$0.name.lowercased().contains("release") })
    }

    /// `apply` sets only the codes `severityOrder` names: a lasting
    /// condition missing from it would never be raised.
    @Test func theSeverityOrderNamesEveryLastingConditionOnce() {
        let order = SafetyKernel.severityOrder
        #expect(Set(order).count == order.count, "a code is named twice")
        #expect(Set(order) == Set(AlarmCode.allCases.filter { !$0.isMomentary }))
        #expect(order.first == .emergencyStop)
    }

    @Test func everyTransitionTowardsTensionIsGuarded() {
        for state in InterlockState.allCases {
            for event in InterlockEvent.allCases {
                guard case .accept(let target, _, let transitionGuard) = InterlockTable.outcome(of: event, in: state),
                      target != state, target == .armed || target == .treating else { continue }
                #expect(transitionGuard == .clearToTreat, "\(state) + \(event) -> \(target)")
            }
        }
    }

    @Test func latchedStatesAreLeftOnlyByResetOrEscalation() {
        for state in [InterlockState.fault, .emergency] {
            for event in InterlockEvent.allCases {
                guard case .accept(let target, _, _) = InterlockTable.outcome(of: event, in: state),
                      target != state else { continue }
                let escalation = state == .fault && target == .emergency
                #expect(event == .reset || escalation, "\(state) left by \(event) to \(target)")
            }
        }
    }

    @Test func stopIsNeverRefused() {
        for state in InterlockState.allCases {
            #expect(InterlockTable.outcome(of: .stop, in: state).isAccepted, "\(state)")
        }
    }

    @Test func readyIsReachableFromEveryStateByTheRecoveryProcedure() {
        for start in InterlockState.allCases where start != .ready {
            var state = start
            var steps = 0
            while state != .ready, steps < InterlockState.allCases.count {
                guard let event = InterlockTable.recoveryStep[state],
                      case .accept(let target, _, _) = InterlockTable.outcome(of: event, in: state) else {
                    Issue.record("no recovery step from \(state)")
                    break
                }
                #expect(InterlockTable.recoveryEvents.contains(event))
                state = target
                steps += 1
            }
            #expect(state == .ready, "recovery from \(start) ended in \(state)")
        }
    }

    @Test func everyAlarmCodeSendsAConditionOrSelfTestEvent() {
        for code in AlarmCode.allCases {
            let event = code.risingEdgeEvent
            #expect(event.source == .detectedCondition || event == .selfTestFailed, "\(code) -> \(event)")
        }
        for event in InterlockEvent.allCases where event.source == .detectedCondition {
            #expect(AlarmCode.allCases.contains { $0.risingEdgeEvent == event }, "\(event) has no alarm")
        }
    }
}
