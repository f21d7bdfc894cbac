// Frame-level tests: the UPER bit reader's primitives, MessageFrame ids and lengths, and the
// raw payloads as found (prefixes, trailers, non-BSM messages). Shared fixture helpers live
// here too.

import Foundation
import Testing

@testable import SightlineV2X

/// Fixture loading and decoding helpers shared by the V2X tests.
enum V2XFixtures {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

  static func bytes(hex: String) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(hex.utf8.count / 2)
    var high: UInt8? = nil
    for char in hex.utf8 {
      let nibble: UInt8
      switch char {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = char - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = char - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = char - UInt8(ascii: "A") + 10
      default: continue
      }
      if let value = high {
        out.append(value << 4 | nibble)
        high = nil
      } else {
        high = nibble
      }
    }
    return out
  }

  static func lines(_ name: String) throws -> [String] {
    let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    return text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
  }

  static func jsonl(_ name: String) throws -> [[String: Any]] {
    try lines(name).map { try object($0) }
  }

  static func object(_ text: String) throws -> [String: Any] {
    let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8))
    guard let object = parsed as? [String: Any] else { throw FixtureError.notAnObject(text) }
    return object
  }

  static func rawLines(_ name: String) throws -> [[UInt8]] {
    try lines("raw/" + name).map { bytes(hex: $0) }
  }

  /// Every frame-only vector from the four jsonl files.
  static func allVectorFrames() throws -> [[UInt8]] {
    var frames: [[UInt8]] = []
    for name in [
      "bsm-real.jsonl", "bsm-generated.jsonl", "psm-real.jsonl", "psm-generated.jsonl",
    ] {
      for line in try jsonl(name) { frames.append(bytes(hex: line["hex"] as! String)) }
    }
    return frames
  }

  static func decode(_ bytes: [UInt8]) -> Result<DecodedFrame, V2XDecodeError> {
    bytes.withUnsafeBytes { J2735.decodeFrame($0) }
  }

  static func equal(_ lhs: Any?, _ rhs: Any?) -> Bool {
    guard let lhs, let rhs else { return lhs == nil && rhs == nil }
    return NSDictionary(dictionary: ["v": lhs]).isEqual(to: ["v": rhs])
  }

  enum FixtureError: Error { case notAnObject(String) }
}

/// Writes bits MSB first, to build frames the vectors do not contain.
struct BitWriter {
  var bytes: [UInt8] = []
  var bitCount = 0

  mutating func put(_ value: UInt64, bits: Int) {
    for index in stride(from: bits - 1, through: 0, by: -1) {
      if bitCount % 8 == 0 { bytes.append(0) }
      if (value >> UInt64(index)) & 1 == 1 {
        bytes[bytes.count - 1] |= UInt8(0x80 >> (bitCount % 8))
      }
      bitCount += 1
    }
  }
}

@Suite struct UPERReaderTests {
  @Test func readsBitsAcrossOctets() throws {
    let data: [UInt8] = [0b1010_1100, 0b0101_0011, 0xFF, 0x00, 0x12, 0x34, 0x56, 0x78, 0x9A]
    try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in
      var reader = UPERReader(raw)
      #expect(try reader.bits(3) == 0b101)
      #expect(try reader.bits(7) == 0b01100_01)
      #expect(reader.position == 10)
      #expect(try reader.bits(6) == 0b010011)
      #expect(try reader.bits(8) == 0xFF)
      #expect(try reader.bits(0) == 0)
      #expect(try reader.bits(40) == 0x00_1234_5678)
      #expect(reader.remainingBits == 8)
      #expect(throws: V2XDecodeError.truncated(atBit: 64)) { try reader.bits(9) }
      #expect(try reader.bits(8) == 0x9A)
    }
    let wide: [UInt8] = [0x81, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xF0]
    try wide.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in
      var reader = UPERReader(raw)
      _ = try reader.bits(4)
      #expect(try reader.bits(64) == 0x1020_3040_5060_708F)
    }
  }

  @Test func constrainedIntegersUseOffsetAndMinimalWidth() throws {
    var writer = BitWriter()
    writer.put(0, bits: 31)  // lat lower bound
    writer.put(4096 + 100, bits: 16)  // elev 100
    writer.put(253, bits: 8)  // angle 127 (offset from −126)
    writer.put(255, bits: 8)  // angle out of range (offset 255 > 253)
    try writer.bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in
      var reader = UPERReader(raw)
      #expect(try reader.constrained(-900_000_000, 900_000_001, field: "lat") == -900_000_000)
      #expect(try reader.constrained(-4096, 61439, field: "elev") == 100)
      #expect(try reader.constrained(-126, 127, field: "angle") == 127)
      #expect(throws: V2XDecodeError.valueOutOfRange(field: "angle")) {
        try reader.constrained(-126, 127, field: "angle")
      }
      #expect(try reader.constrained(5, 5, field: "single") == 5)  // zero bits
    }
  }

  @Test func lengthDeterminants() throws {
    let data: [UInt8] = [0x7F, 0x80, 0x80, 0xBF, 0xFF, 0xC1]
    try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in
      var reader = UPERReader(raw)
      #expect(try reader.lengthDeterminant() == 127)
      #expect(try reader.lengthDeterminant() == 128)
      #expect(try reader.lengthDeterminant() == 16383)
      #expect(throws: V2XDecodeError.unsupported("fragmented length")) {
        try reader.lengthDeterminant()
      }
    }
  }

  @Test func normallySmallAndExtensionAdditions() throws {
    var writer = BitWriter()
    writer.put(0, bits: 1)
    writer.put(37, bits: 6)  // normally small 37
    writer.put(0, bits: 1)
    writer.put(2, bits: 6)  // bitmap of 3 bits
    writer.put(0b101, bits: 3)
    writer.put(1, bits: 8)
    writer.put(0xAA, bits: 8)  // first addition: 1 octet
    writer.put(2, bits: 8)
    writer.put(0xBBCC, bits: 16)  // second addition: 2 octets
    writer.put(0b1, bits: 1)
    try writer.bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in
      var reader = UPERReader(raw)
      #expect(try reader.normallySmall() == 37)
      #expect(try reader.skipExtensionAdditions() == 2)
      #expect(try reader.bool())
    }
  }

  @Test func openTypeIsBoundedAndSkipped() throws {
    let data: [UInt8] = [0x02, 0xAB, 0xCD, 0xEF, 0x05, 0x00]
    try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in
      var reader = UPERReader(raw)
      var inner = try reader.openType()
      #expect(inner.remainingBits == 16)
      #expect(try inner.bits(16) == 0xABCD)
      #expect(throws: V2XDecodeError.truncated(atBit: 24)) { try inner.bits(1) }
      #expect(try reader.bits(8) == 0xEF)
      #expect(throws: V2XDecodeError.lengthBeyondData) { try reader.openType() }
    }
  }

  @Test func emptyBufferIsTruncatedNotACrash() {
    let empty: [UInt8] = []
    let result = empty.withUnsafeBytes { J2735.decodeFrame($0) }
    #expect(result == .failure(.truncated(atBit: 0)))
    let nilBase = J2735.decodeFrame(UnsafeRawBufferPointer(start: nil, count: 0))
    #expect(nilBase == .failure(.truncated(atBit: 0)))
  }
}

@Suite struct FrameDecoderTests {
  @Test func knownMessageIds() {
    #expect(KnownMessageID.mapData.rawValue == 18)
    #expect(KnownMessageID.signalPhaseAndTiming.rawValue == 19)
    #expect(KnownMessageID.basicSafetyMessage.rawValue == 20)
    #expect(KnownMessageID.roadSideAlert.rawValue == 27)
    #expect(KnownMessageID.signalRequestMessage.rawValue == 29)
    #expect(KnownMessageID.signalStatusMessage.rawValue == 30)
    #expect(KnownMessageID.travelerInformation.rawValue == 31)
    #expect(KnownMessageID.personalSafetyMessage.rawValue == 32)
    #expect(KnownMessageID.sensorDataSharing.rawValue == 41)
    #expect(KnownMessageID(rawValue: 17) == nil)
    #expect(KnownMessageID.testMessage15.rawValue == 255)
  }

  /// Single-frame payloads of other message types: recognised, skipped by length.
  @Test(arguments: [
    ("SpatReceiverTest_ValidSPAT.txt.hex", 19),
    ("MapReceiverTest_ValidMAP.txt.hex", 18),
    ("TimReceiverTest_ValidTIM.txt.hex", 31),
    ("SrmReceiverTest_ValidData.txt.hex", 29),
    ("SsmReceiverTest_ValidSSM.txt.hex", 30),
    ("SdsmReceiverTest_ValidSDSM.txt.hex", 41),
  ])
  func otherMessagesAreKnownNotDecoded(file: String, messageId: Int) throws {
    let bytes = try #require(V2XFixtures.rawLines(file).first)
    let frame = try V2XFixtures.decode(bytes).get()
    #expect(frame.messageId == messageId)
    #expect(frame.body == .other(messageId: messageId))
    #expect(frame.consumedBytes == bytes.count)
    let line = try V2XFixtures.object(V2XJSON.line(for: frame))
    #expect(line["type"] as? String == "OTHER")
    #expect(line["messageId"] as? Int == messageId)
  }

  @Test func bsmAfterForwarderAndUnsecuredDataHeader() throws {
    let bytes = try #require(V2XFixtures.rawLines("BsmReceiverTest_ValidBSM.txt.hex").first)
    #expect(bytes[26..<30] == [0x03, 0x80, 0x81, 0xBC])
    let frameBytes = Array(bytes[30...])
    let frame = try V2XFixtures.decode(frameBytes).get()
    guard case .bsm(let bsm) = frame.body else {
      Issue.record("expected a BSM")
      return
    }
    #expect(frame.consumedBytes == 188)
    #expect(bsm.coreData.msgCnt == 37)
    #expect(bsm.coreData.id == 0x3132_5433)
    #expect(bsm.partII.count == 2 && bsm.partII[0] == 0 && bsm.partII[1] == 2)
  }

  @Test func psmWithPrefixAndTrailerReportsConsumedBytes() throws {
    let bytes = try #require(V2XFixtures.rawLines("PsmReceiverTest_ValidPSM.txt.hex").first)
    let frameBytes = Array(bytes[3...])
    let frame = try V2XFixtures.decode(frameBytes).get()
    #expect(frame.messageId == 32)
    #expect(frame.consumedBytes == frameBytes.count - 14)
    guard case .psm(let psm) = frame.body else {
      Issue.record("expected a PSM")
      return
    }
    #expect(psm.basicType == 1)
    #expect(psm.secMark == 3564)
    #expect(psm.msgCnt == 26)
    #expect(psm.id == 0x2477_9D7E)
    #expect(!frame.frameHasExtension && !frame.messageHasExtension)
  }

  /// Every line of the logs that hold bare frames decodes, by type.
  @Test(arguments: [
    ("bsmLogDuringEvent.bin.hex", 222, 0, 0),
    ("bsmLogDuringEvent_commsignia.gz.hex", 511, 0, 0),
    ("bsmTx.bin.hex", 16, 0, 0),
    ("rxMsg_BSM_and_TIM.gz.hex", 243, 0, 150),
    ("rxMsg_commsignia_map.gz.hex", 0, 0, 103),
    ("rxMsg_map_and_tim.gz.hex", 0, 0, 150),
  ])
  func rawLogsDecode(file: String, bsmCount: Int, psmCount: Int, otherCount: Int) throws {
    var counts = (bsm: 0, psm: 0, other: 0, failed: 0)
    for bytes in try V2XFixtures.rawLines(file) {
      switch V2XFixtures.decode(bytes) {
      case .success(let frame):
        switch frame.body {
        case .bsm: counts.bsm += 1
        case .psm: counts.psm += 1
        case .other: counts.other += 1
        }
        #expect(frame.consumedBytes <= bytes.count)
      case .failure(let error):
        counts.failed += 1
        Issue.record("\(file): \(error)")
      }
    }
    #expect(counts.bsm == bsmCount)
    #expect(counts.psm == psmCount)
    #expect(counts.other == otherCount)
    #expect(counts.failed == 0)
  }

  @Test func unknownMessageIdIsAnError() {
    #expect(V2XFixtures.decode([0x00, 0x11, 0x01, 0x00]) == .failure(.unknownMessageId(17)))
    #expect(V2XFixtures.decode([0x7F, 0xFF, 0x00]) == .failure(.unknownMessageId(32767)))
    #expect(V2XFixtures.decode([0x00, 0x00]) == .failure(.unknownMessageId(0)))
  }

  @Test func frameExtensionAdditionsAreSkippedAndReported() throws {
    var writer = BitWriter()
    writer.put(1, bits: 1)  // frame extension bit
    writer.put(19, bits: 15)  // SPaT
    writer.put(2, bits: 8)
    writer.put(0xBEEF, bits: 16)  // body: two octets, not decoded
    writer.put(0, bits: 7)  // one-bit addition bitmap
    writer.put(1, bits: 1)
    writer.put(1, bits: 8)
    writer.put(0x55, bits: 8)  // the addition, one octet
    let bytes = writer.bytes + [0xEE, 0xEE]  // trailer
    let frame = try V2XFixtures.decode(bytes).get()
    #expect(frame.frameHasExtension)
    #expect(frame.body == .other(messageId: 19))
    #expect(frame.bodyBytes == 2)
    #expect(frame.consumedBytes == writer.bytes.count)
  }

  @Test func errorLineIsJSON() throws {
    let line = V2XJSON.errorLine(.valueOutOfRange(field: "lat"))
    let object = try V2XFixtures.object(line)
    #expect(object["error"] as? String == "value out of range: lat")
    #expect(try V2XFixtures.object(V2XJSON.errorLine(.unknownMessageId(17))).count == 1)
  }
}
