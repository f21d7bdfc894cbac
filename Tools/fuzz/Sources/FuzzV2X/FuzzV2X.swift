// FuzzV2X: SAE J2735 MessageFrames (BSM, PSM, other ids) in UPER, bare and inside IEEE 1609.3
// WSMP / 1609.2 / forwarder headers, and the hex and JSON payload texts middleware hands over.
//
// Input: byte 0 picks the path (low 2 bits), the rest is the payload.
//   0  bare UPER:   J2735.decodeFrame
//   1  unwrapping:  V2XUnwrap.locateFrame, then decodeFrame on the located frame
//                   (what `sightline v2x decode` and V2XIngest do)
//   2  hex text:    PayloadText.bytes(fromHex:) then as 1
//   3  JSON text:   PayloadText.hexPayload(fromJSON:) then as 2
// A decoded frame is also rendered (V2XJSON, SI views), and a BSM or PSM re-encoded
// (J2735.encodeFrame, with the BSM's carried Part II) and decoded again: the encoder's documented
// contract is decode(encode(x)) == x, so a difference traps like a crash.
// Errors are results or throws and are ignored; only a trap or a sanitizer report is a finding.

import CFuzzer
import SightlineV2X

/// Scratch for hex payloads turned into bytes (V2XIngest uses 4096 bytes the same way).
nonisolated(unsafe) let scratch = UnsafeMutableRawBufferPointer.allocate(
  byteCount: 4096, alignment: 8)

/// SwiftPM links `main` to `FuzzV2X_main`; libFuzzer's driver takes it from there.
@_cdecl("FuzzV2X_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  var argc = argc
  var argv = argv
  return LLVMFuzzerRunDriver(&argc, &argv, fuzzV2X)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzV2X(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard let data else { return 0 }
  guard size >= 1 else { return 0 }
  let mode = data[0] & 3
  let payload = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
  switch mode {
  case 0:
    decode(payload)
    // The JSON contract for errors too.
    if case .failure(let error) = J2735.decodeFrame(payload) { _ = V2XJSON.errorLine(error) }
  case 1:
    unwrapAndDecode(payload)
  case 2:
    hex(payload)
  default:
    if let range = PayloadText.hexPayload(fromJSON: payload) {
      precondition(range.lowerBound >= 0 && range.upperBound <= payload.count)
      hex(UnsafeRawBufferPointer(rebasing: payload[range]))
    }
  }
  return 0
}

func hex(_ text: UnsafeRawBufferPointer) {
  guard let count = PayloadText.bytes(fromHex: text, into: scratch) else { return }
  precondition(count >= 0 && count <= scratch.count)
  unwrapAndDecode(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(scratch)[0..<count]))
}

func unwrapAndDecode(_ bytes: UnsafeRawBufferPointer) {
  switch V2XUnwrap.locateFrame(bytes) {
  case .failure(let error):
    _ = error.description
  case .success(let found):
    precondition(
      found.frame.lowerBound >= 0 && found.frame.upperBound <= bytes.count,
      "located frame outside the payload")
    if let security = found.security {
      for range in [security.signer, security.signature, security.toBeSigned] {
        if let range { precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count) }
      }
    }
    if let wsmp = found.wsmp {
      precondition(wsmp.data.lowerBound >= 0 && wsmp.data.upperBound <= bytes.count)
    }
    decode(UnsafeRawBufferPointer(rebasing: bytes[found.frame]))
  }
}

func decode(_ frame: UnsafeRawBufferPointer) {
  guard case .success(let decoded) = J2735.decodeFrame(frame) else { return }
  precondition(decoded.consumedBytes <= frame.count, "consumed more than the frame")
  _ = V2XJSON.line(for: decoded)
  switch decoded.body {
  case .bsm(let bsm):
    _ = BSMSIView(bsm.coreData)
    // Carried parts may legitimately fail (they re-read the frame); the encoder may refuse a
    // value; what it does write must decode to the same value.
    let parts = try? BSMCarriedParts(frame: frame)
    for carrying in [parts, nil] {
      guard let bytes = try? J2735.encodeFrame(bsm, carrying: carrying) else { continue }
      roundTrip(bytes, expecting: .bsm(bsm))
    }
  case .psm(let psm):
    _ = PSMSIView(psm)
    if let bytes = try? J2735.encodeFrame(psm) { roundTrip(bytes, expecting: .psm(psm)) }
  case .other:
    break
  }
}

func roundTrip(_ bytes: [UInt8], expecting body: DecodedFrameBody) {
  bytes.withUnsafeBytes { encoded in
    switch J2735.decodeFrame(encoded) {
    case .failure(let error):
      fatalError("re-encoded frame does not decode: \(error)")
    case .success(let again):
      if again.body != body {
        fatalError("decode(encode(x)) != x:\n  x     = \(body)\n  again = \(again.body)")
      }
    }
  }
}
