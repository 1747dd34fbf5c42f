import TractionDevice
import TractionPlant

/// The emulator's transmit path with the link faults of the control channel:
/// dropping, corrupting and delaying frames, as a bad cable or a slow
/// converter would. Counts what it did, so a test can check the host's
/// statistics against it.
struct OutgoingFrames {
    /// Frames still to drop.
    var framesToDrop = 0
    /// Probability that any one byte is replaced by another.
    var byteCorruptionProbability = 0.0
    /// How long every frame waits before it is written.
    var delay: Seconds = .zero

    private(set) var framesDropped: UInt64 = 0
    /// Frames in which at least one byte was replaced.
    private(set) var framesCorrupted: UInt64 = 0
    private(set) var framesWritten: UInt64 = 0
    private var random: SplitMix64
    private var delayed: [(due: MonotonicInstant, bytes: [UInt8])] = []

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    /// The next instant a delayed frame falls due, if any.
    var nextDue: MonotonicInstant? { delayed.first?.due }

    /// Takes one encoded frame (delimiter included) at `now`; `write` is
    /// called for whatever is due now, in order.
    mutating func submit(_ frame: [UInt8], at now: MonotonicInstant, write: ([UInt8]) -> Void) {
        if framesToDrop > 0 {
            framesToDrop -= 1
            framesDropped &+= 1
            return
        }
        var bytes = frame
        if byteCorruptionProbability > 0 {
            var corrupted = false
            for index in bytes.indices where random.nextUnit() < byteCorruptionProbability {
                // Any other value: a flipped delimiter splits or merges frames,
                // which the host must survive too.
                bytes[index] ^= UInt8(truncatingIfNeeded: random.next() % 255 + 1)
                corrupted = true
            }
            if corrupted { framesCorrupted &+= 1 }
        }
        if delay > .zero || !delayed.isEmpty {
            delayed.append((now + delay, bytes))
            flush(at: now, write: write)
        } else {
            framesWritten &+= 1
            write(bytes)
        }
    }

    /// Writes every delayed frame that is due at `now`.
    mutating func flush(at now: MonotonicInstant, write: ([UInt8]) -> Void) {
        while let first = delayed.first, first.due <= now {
            delayed.removeFirst()
            framesWritten &+= 1
            write(first.bytes)
        }
    }

    /// Forgets frames not yet written (power loss: the transmitter dies).
    mutating func discardDelayed() { delayed.removeAll() }
}
