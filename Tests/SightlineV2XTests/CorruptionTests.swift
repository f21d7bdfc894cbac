// Corrupted input never crashes or reads out of bounds: every vector truncated at every byte
// length, seeded random bit flips, random garbage, lying lengths and wrong message ids give a
// V2XDecodeError or a successful decode. Inputs sit in exactly-sized buffers.

import Foundation
import Testing

@testable import SightlineV2X

/// SplitMix64: a small seeded generator so failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

@Suite struct CorruptionTests {
  /// Decodes from a fresh allocation of exactly `bytes.count` bytes.
  private func decodeExact(_ bytes: ArraySlice<UInt8>) -> Result<DecodedFrame, V2XDecodeError> {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
    defer { buffer.deallocate() }
    buffer.copyBytes(from: bytes)
    return J2735.decodeFrame(UnsafeRawBufferPointer(buffer))
  }

  @Test func everyTruncationFailsCleanlyAndLongerPrefixesSucceed() throws {
    var checked = 0
    for bytes in try V2XFixtures.allVectorFrames() {
      let full = try decodeExact(bytes[...]).get()
      for cut in 0..<bytes.count {
        let result = decodeExact(bytes[..<cut])
        if cut < full.consumedBytes {
          guard case .failure = result else {
            Issue.record("prefix \(cut) of \(bytes.count) decoded")
            return
          }
        } else {
          #expect(try result.get() == full)
        }
        checked += 1
      }
    }
    #expect(checked > 100_000)
  }

  @Test func seededBitFlipsNeverCrash() throws {
    var generator = SeededGenerator(state: 0x5147_4854_4C49_4E45)
    var outcomes = (success: 0, failure: 0)
    for original in try V2XFixtures.allVectorFrames() {
      for _ in 0..<40 {
        var bytes = original
        let flips = Int.random(in: 1...4, using: &generator)
        for _ in 0..<flips {
          let bit = Int.random(in: 0..<(bytes.count * 8), using: &generator)
          bytes[bit / 8] ^= UInt8(0x80 >> (bit % 8))
        }
        switch decodeExact(bytes[...]) {
        case .success(let frame):
          outcomes.success += 1
          #expect(frame.consumedBytes <= bytes.count)
          _ = V2XJSON.line(for: frame)  // odd values must not trap the JSON writer either
        case .failure(let error):
          outcomes.failure += 1
          _ = V2XJSON.errorLine(error)
        }
      }
    }
    #expect(outcomes.success > 0 && outcomes.failure > 0)
  }

  @Test func randomGarbageNeverCrashes() {
    var generator = SeededGenerator(state: 42)
    for _ in 0..<20_000 {
      let count = Int.random(in: 0..<64, using: &generator)
      var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
      if count >= 2, Bool.random(using: &generator) {
        bytes[0] = 0
        bytes[1] = Bool.random(using: &generator) ? 0x14 : 0x20  // steer into BSM/PSM bodies
      }
      if case .success(let frame) = decodeExact(bytes[...]) {
        #expect(frame.consumedBytes <= count)
      }
    }
  }

  @Test func lyingOpenTypeLengths() throws {
    let vectors = try V2XFixtures.jsonl("bsm-real.jsonl")
    // Long form (0x80 prefix): claim the 14-bit maximum.
    let long = V2XFixtures.bytes(hex: vectors[0]["hex"] as! String)
    #expect(long[2] & 0xC0 == 0x80)
    var inflated = long
    inflated[2] = 0xBF
    inflated[3] = 0xFF
    #expect(decodeExact(inflated[...]) == .failure(.lengthBeyondData))
    // One octet more than present.
    var oneMore = long
    let declared = (Int(long[2] & 0x3F) << 8) | Int(long[3])
    oneMore[2] = 0x80 | UInt8((declared + 1) >> 8)
    oneMore[3] = UInt8((declared + 1) & 0xFF)
    #expect(decodeExact(oneMore[...]) == .failure(.lengthBeyondData))
    // Shorter than the body: the body read stops at the declared end, not the buffer's.
    var shrunk = long
    shrunk[2] = 0x80
    shrunk[3] = 20
    guard case .failure(.truncated(let atBit)) = decodeExact(shrunk[...]) else {
      Issue.record("a 20-octet BSM body must be truncated")
      return
    }
    #expect(atBit <= (4 + 20) * 8)
    // Fragmented length form.
    var fragmented = long
    fragmented[2] = 0xC1
    #expect(decodeExact(fragmented[...]) == .failure(.unsupported("fragmented length")))
    // A short-form length beyond the data.
    let psmLine = try #require(V2XFixtures.jsonl("psm-generated.jsonl").first)
    var psm = V2XFixtures.bytes(hex: psmLine["hex"] as! String)
    psm[2] = 0x7F
    #expect(decodeExact(psm[...]) == .failure(.lengthBeyondData))
  }

  @Test func wrongMessageIds() throws {
    let vector = try #require(V2XFixtures.jsonl("bsm-generated.jsonl").first)
    let bsm = V2XFixtures.bytes(hex: vector["hex"] as! String)
    var asUnknown = bsm
    asUnknown[1] = 0x11  // 17: not in the DSRC table
    #expect(decodeExact(asUnknown[...]) == .failure(.unknownMessageId(17)))
    var asCSR = bsm
    asCSR[1] = 0x15  // 21: known, not decoded, still cut at the declared length
    let other = try decodeExact(asCSR[...]).get()
    #expect(other.body == .other(messageId: 21))
    #expect(other.consumedBytes == bsm.count)
    var asPSM = bsm
    asPSM[1] = 0x20  // a BSM body read as a PSM: an error or a decode, never a crash
    _ = decodeExact(asPSM[...])
    var highId = bsm
    highId[0] = 0x40  // 16404
    #expect(decodeExact(highId[...]) == .failure(.unknownMessageId(0x4014)))
  }
}
