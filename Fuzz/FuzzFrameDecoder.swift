// libFuzzer entry point for the wire frame decoder (built by Fuzz/build.sh,
// run by scripts/fuzz.sh and scripts/checks/fuzz-smoke.sh).
//
// Besides "never crash, never overread" (ASan), each input checks the
// decoder's contract; any violation traps and becomes a finding:
//   1. Chunking does not matter: the input fed whole and fed in two pieces
//      (split where its first byte says) gives the same outcomes and counters.
//   2. Every accepted frame re-encodes to exactly the bytes that carried it
//      (the encoding is canonical), found in the input between delimiters.
//      This is the oracle for "corrupt bytes are never accepted": a frame
//      accepted with a wrong CRC, length or stuffing would re-encode
//      differently.
//   3. The counters agree with the outcomes, and the decoder never holds more
//      than one maximal encoded frame.
//   4. The input read as "type byte, payload" and wrapped in a correct frame
//      (so that mutations reach the payload parsers despite the CRC) is
//      judged as intact, and if accepted re-encodes to exactly the same bytes.

import TractionWire

private func outcomes(of bytes: UnsafeRawBufferPointer, splitAt split: Int) -> ([FrameDecoder.Outcome], FrameDecoder) {
    var decoder = FrameDecoder()
    var outcomes: [FrameDecoder.Outcome] = []
    decoder.decode(UnsafeRawBufferPointer(rebasing: bytes[..<split])) { outcomes.append($0) }
    precondition(decoder.bufferedByteCount <= WireFormat.maximumEncodedFrameLength)
    decoder.decode(UnsafeRawBufferPointer(rebasing: bytes[split...])) { outcomes.append($0) }
    precondition(decoder.bufferedByteCount <= WireFormat.maximumEncodedFrameLength)
    return (outcomes, decoder)
}

/// True when `frame` (ending in its delimiter) occurs in `bytes` at the start
/// or right after a delimiter, i.e. as a whole run.
private func occursAsWholeRun(_ frame: [UInt8], in bytes: UnsafeRawBufferPointer) -> Bool {
    guard frame.count <= bytes.count else { return false }
    for start in 0...(bytes.count - frame.count) where start == 0 || bytes[start - 1] == 0 {
        if frame.indices.allSatisfy({ bytes[start + $0] == frame[$0] }) { return true }
    }
    return false
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrameDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let split = size == 0 ? 0 : Int(bytes[0]) * size / 256

    let (whole, wholeDecoder) = outcomes(of: bytes, splitAt: size)
    let (pieces, piecesDecoder) = outcomes(of: bytes, splitAt: split)
    precondition(whole == pieces, "chunking changed the outcomes")
    precondition(wholeDecoder.statistics == piecesDecoder.statistics, "chunking changed the counters")

    var accepted: UInt64 = 0
    for case .success(let frame) in whole {
        accepted += 1
        guard let again = try? FrameEncoder.frame(frame.message, sequence: frame.sequence) else {
            preconditionFailure("an accepted frame cannot be re-encoded: \(frame)")
        }
        var decoder = FrameDecoder()
        let redecoded = decoder.decode(again)
        precondition(redecoded.count == 1 && (try? redecoded[0].get()) == frame, "re-encoding changed the frame")
        precondition(occursAsWholeRun(again, in: bytes), "accepted a frame whose bytes are not its canonical encoding")
    }
    precondition(accepted == wholeDecoder.statistics.framesDecoded, "framesDecoded disagrees with the outcomes")

    if size > 0 { checkWrappedPayload(type: bytes[0], payload: UnsafeRawBufferPointer(rebasing: bytes[1...])) }
    return 0
}

private func checkWrappedPayload(type: UInt8, payload: UnsafeRawBufferPointer) {
    let payload = payload.prefix(WireFormat.maximumPayloadLength)
    let sequence: UInt16 = 0x1234
    var raw: [UInt8] = [WireFormat.protocolVersion, type, UInt8(sequence & 0xFF), UInt8(sequence >> 8),
                        UInt8(payload.count & 0xFF), UInt8(payload.count >> 8)]
    raw.append(contentsOf: payload)
    let crc = CRC32C.checksum(raw)
    raw.append(contentsOf: [UInt8(crc & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8((crc >> 16) & 0xFF), UInt8(crc >> 24)])
    var wire: [UInt8] = []
    raw.withUnsafeBytes { COBS.encode($0, appendingTo: &wire) }
    wire.append(WireFormat.frameDelimiter)

    var decoder = FrameDecoder()
    let outcomes = decoder.decode(wire)
    precondition(outcomes.count == 1, "one frame in, not one outcome out")
    switch outcomes[0] {
    case .success(let frame):
        precondition(frame.sequence == sequence)
        precondition((try? FrameEncoder.frame(frame.message, sequence: sequence)) == wire,
                     "an accepted payload does not re-encode to the same bytes")
    case .failure(.unknownMessageType), .failure(.invalidPayload):
        break
    case .failure(let error):
        preconditionFailure("a correctly framed payload was judged a framing error: \(error)")
    }
}
