import Foundation
import PropertyBased
import Testing
@testable import TractionControl
import TractionControlProtocol

/// Whatever bytes arrive, the server answers each line with a documented
/// response or closes with a documented error, and keeps serving.
@Suite struct BadInputPropertyTests {
    /// JSON and JSON-RPC fragments weighted up against raw bytes, so lines
    /// often get past the JSON parser and reach the envelope and method checks.
    static let alphabet: [UInt8] = {
        let fragments = #"{}[]":,0123456789.-+eE \truefalsenull"jsonrpc""2.0""id""method""params"status"#
        return Array(fragments.utf8) + Array(fragments.utf8) + [0x0A, 0x0D, 0x00, 0xFF, 0xC3, 0xA9, 0x80]
            + (0...255).map { UInt8($0) }
    }()

    static let probe = RPCRequest(id: .string("probe"), method: "status").encodeLine()

    @Test func randomLinesGetAResponseOrADocumentedCloseAndTheServerSurvives() async throws {
        let server = try RunningServer { $0.maxMessageBytes = 512 }
        defer { server.stop() }
        let input = Gen.int(in: 0...(Self.alphabet.count - 1)).array(of: 0...900)
        await propertyCheck(count: 80, input: input) { indices in
            let bytes = indices.map { Self.alphabet[$0] }
            let client = try server.connect()
            #expect(try client.readMessage()?["method"] == "hello")
            try client.sendBytes(bytes + [0x0A] + Self.probe)
            var answeredProbe = false
            var closingCode: ControlErrorCode?
            while let message = try client.readMessage() {
                #expect(message["jsonrpc"] == "2.0")
                if message["id"] == "probe" {
                    answeredProbe = true
                    break
                }
                if let errorMember = message["error"] {
                    let error = try #require(ControlError(json: errorMember), "\(message)")
                    #expect(error.data["unknown_code"] == nil, "undocumented code in \(message)")
                    #expect(error.code != .internalError, "\(message)")
                    if error.code.closesConnection { closingCode = error.code }
                } else {
                    #expect(message["result"] != nil, "neither result nor error: \(message)")
                }
            }
            if answeredProbe {
                #expect(closingCode == nil)
            } else {
                // Only a line over 512 bytes may close this connection.
                #expect(closingCode == .messageTooLarge)
                let longest = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(\.count).max() ?? 0
                #expect(longest + 1 > 512)
            }
        }
        let after = try server.connect()
        #expect(try after.readMessage()?["method"] == "hello")
        #expect(try after.call("status", id: 1)["result"] != nil)
    }
}
