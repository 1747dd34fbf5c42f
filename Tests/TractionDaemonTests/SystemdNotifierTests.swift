#if canImport(Glibc)
import Glibc
#endif
import Testing
import TractionDaemon
import TractionDevice

/// A real AF_UNIX datagram socket standing in for systemd's notification socket.
private final class NotificationListener {
    let descriptor: Int32
    let path: String

    init(abstractName: String? = nil) throws {
        let created = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard created >= 0 else { throw ListenerError.cannotCreate }
        descriptor = created
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes: [UInt8]
        if let abstractName {
            path = "@" + abstractName
            bytes = [0] + Array(abstractName.utf8)
        } else {
            path = "/tmp/tractiond-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
            bytes = Array(path.utf8)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstractName == nil ? 1 : 0))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(created, $0, length) }
        }
        guard bound == 0 else { throw ListenerError.cannotBind(errno) }
    }

    func receive() -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        return String(decoding: buffer.prefix(max(0, count)), as: UTF8.self)
    }

    deinit {
        close(descriptor)
        if !path.hasPrefix("@") { unlink(path) }
    }
}

private enum ListenerError: Error { case cannotCreate, cannotBind(Int32) }

@Suite struct SystemdNotifierTests {
    @Test func readyAndStatusArriveAsOneDatagramOnAFileSocket() throws {
        let listener = try NotificationListener()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.path])
        #expect(notifier.isActive)
        try notifier.ready(status: "treating\nSIMULATED")
        #expect(listener.receive() == "READY=1\nSTATUS=treating SIMULATED")
    }

    @Test func anAtSignNamesAnAbstractSocket() throws {
        let listener = try NotificationListener(abstractName: "tractiond-test-\(getpid())")
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.path])
        try notifier.watchdog()
        #expect(listener.receive() == "WATCHDOG=1")
    }

    @Test func outsideSystemdEveryNotificationIsANoOp() throws {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isActive)
        try notifier.ready(status: "ready")
        #expect(notifier.watchdogInterval == nil)
    }

    @Test func theWatchdogIntervalIsReadOnlyWhenItIsMeantForThisProcess() {
        let mine = SystemdNotifier(environment: ["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "\(getpid())"])
        #expect(mine.watchdogInterval == Seconds(2))
        let someoneElses = SystemdNotifier(environment: ["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "1"])
        #expect(someoneElses.watchdogInterval == nil)
    }

    @Test func aVanishedSocketIsAnErrorThatNamesThePath() {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/tmp/tractiond-no-such-socket"])
        #expect(throws: SystemdNotifyError.send(errno: ENOENT, path: "/tmp/tractiond-no-such-socket")) {
            try notifier.status("x")
        }
    }
}
