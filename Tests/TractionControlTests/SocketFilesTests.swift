import Foundation
import Testing
@testable import TractionControl
import TractionControlProtocol

#if canImport(Glibc)
import Glibc
#endif

/// The socket's directory and file (docs/control-protocol.md, section 1).
@Suite struct SocketFilesTests {
    final class IdleHandler: ControlRequestHandler {
        func handle(_ method: ControlMethod, params: JSONValue?, from peer: PeerIdentity,
                    respond: @escaping (Result<JSONValue, ControlError>) -> Void) { respond(.success(.null)) }
        func hello(for peer: PeerIdentity) -> Hello {
            Hello(daemonVersion: "0", table: nil, role: nil, uid: 0, pid: 0, maxMessageBytes: 0, loopRateHz: 250)
        }
        func serviceTick(server: ControlServer) {}
    }

    func start(_ socketPath: String, group: String? = nil) throws(ControlServerError) -> ControlServer {
        try ControlServer(configuration: ControlServerConfiguration(socketPath: socketPath, socketGroup: group),
                          handler: IdleHandler())
    }

    func fileStatus(_ path: String) -> stat {
        var info = stat()
        lstat(path, &info)
        return info
    }

    @Test func aMissingDirectoryIsCreated0750AndTheSocketIs0660WithTheGroup() throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let server = try start(temporary.path + "/run/control.sock", group: "nogroup")
        let directory = fileStatus(temporary.path + "/run")
        #expect(directory.st_mode & 0o7777 == 0o750)
        #expect(directory.st_uid == geteuid())
        #expect(directory.st_gid == 65534)
        let socketFile = fileStatus(temporary.path + "/run/control.sock")
        #expect(socketFile.st_mode & S_IFMT == S_IFSOCK)
        #expect(socketFile.st_mode & 0o7777 == 0o660)
        #expect(socketFile.st_gid == 65534)
        server.close()
        // Closing removes the socket file it made.
        #expect(access(temporary.path + "/run/control.sock", F_OK) != 0)
    }

    @Test func withoutAGroupTheDaemonsOwnGroupIsUsed() throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let server = try start(temporary.path + "/run/control.sock")
        defer { server.close() }
        #expect(fileStatus(temporary.path + "/run/control.sock").st_gid == getegid())
    }

    @Test(arguments: [0o777 as mode_t, 0o770, 0o752])
    func aDirectoryOthersMayWriteInIsRefused(mode: mode_t) throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let directory = temporary.path + "/run"
        #expect(mkdir(directory, 0o700) == 0)
        #expect(chmod(directory, mode) == 0)
        #expect(throws: ControlServerError.socketDirectoryWritableByOthers(path: directory, mode: UInt32(mode))) {
            _ = try start(directory + "/control.sock")
        }
        // Refused, not repaired.
        #expect(fileStatus(directory).st_mode & 0o7777 == mode)
        #expect(access(directory + "/control.sock", F_OK) != 0)
    }

    @Test(.enabled(if: geteuid() == 0, "chown to another user needs root"))
    func aDirectoryOfAnotherUserIsRefused() throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let directory = temporary.path + "/run"
        #expect(mkdir(directory, 0o750) == 0)
        #expect(chown(directory, 65534, 65534) == 0)
        let expected = ControlServerError.socketDirectoryOwnedByAnotherUser(path: directory, owner: 65534,
                                                                            daemonUID: geteuid())
        #expect(throws: expected) { _ = try start(directory + "/control.sock") }
        #expect(expected.description.contains("belongs to uid 65534"))
    }

    @Test func aSymbolicLinkInsteadOfTheDirectoryIsRefused() throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        #expect(mkdir(temporary.path + "/real", 0o750) == 0)
        #expect(symlink(temporary.path + "/real", temporary.path + "/run") == 0)
        #expect(throws: ControlServerError.socketDirectoryNotADirectory(path: temporary.path + "/run")) {
            _ = try start(temporary.path + "/run/control.sock")
        }
    }

    @Test func aMissingParentIsNamed() throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let directory = temporary.path + "/a/b"
        #expect(throws: ControlServerError.socketDirectoryParentMissing(directory: directory)) {
            _ = try start(directory + "/control.sock")
        }
    }

    @Test func aFileThatIsNotASocketIsNeverRemoved() throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let path = temporary.path + "/control.sock"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("keep".utf8)))
        #expect(throws: ControlServerError.socketPathOccupied(path: path)) { _ = try start(path) }
        #expect(FileManager.default.contents(atPath: path) == Data("keep".utf8))
    }

    @Test func aStaleSocketIsReplacedButALiveOneIsRefused() throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let path = temporary.path + "/run/control.sock"
        let first = try start(path)
        #expect(throws: ControlServerError.socketInUse(path: path)) { _ = try start(path) }
        // A crashed daemon leaves its socket file behind: simulate by closing the descriptor only.
        try closeListenerKeepingFile(first)
        #expect(fileStatus(path).st_mode & S_IFMT == S_IFSOCK)
        #expect(throws: (any Error).self, "nobody listens on the leftover file") { _ = try TestClient(path: path) }
        let second = try start(path)
        defer { second.close() }
        // The backlog takes the connection: a listener is bound to the path again.
        #expect(throws: Never.self) { _ = try TestClient(path: path) }
    }

    @Test func aSocketPathLongerThanSunPathIsRefused() throws {
        let path = "/tmp/" + String(repeating: "d", count: 120) + "/control.sock"
        #expect(throws: ControlServerError.socketPathTooLong(path: path, maximumBytes: 107)) {
            _ = try start(path)
        }
    }
}

/// Closes the listening descriptor without removing the file, as a killed
/// daemon would leave it.
private func closeListenerKeepingFile(_ server: ControlServer) throws {
    let path = server.socketPath
    let saved = path + ".saved"
    #expect(rename(path, saved) == 0)
    server.close()
    #expect(rename(saved, path) == 0)
}
