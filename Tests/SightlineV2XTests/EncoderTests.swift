// Encoder tests: every shared BSM/PSM vector re-encodes to its own bytes (exactly where the
// decoded value keeps everything, and exactly with carried parts for every BSM); values built
// from scratch and random in-range values survive decode(encode(x)); out-of-range values give
// typed errors that name the field; the writer's primitives read back through UPERReader.

import Foundation
import Testing

@testable import SightlineV2X

/// Counts for one vector file, printed so the numbers can be quoted.
private struct RoundTripTally: CustomStringConvertible {
  var total = 0
  /// Values that keep everything their frame held (no Part II, regional, path history...).
  var complete = 0
  var identical = 0
  /// decode(encode(decode(bytes))) == decode(bytes), over all vectors.
  var valueRoundTrips = 0
  /// BSMs re-encoded with their Part II and regional contents carried verbatim.
  var identicalWithCarriedParts = 0

  var description: String {
    "\(total) vectors, \(complete) complete, \(identical) byte-identical, "
      + "\(valueRoundTrips) value round trips, \(identicalWithCarriedParts) byte-identical "
      + "with carried parts"
  }
}

/// Whether a decoded value holds everything its frame held, so its encoding must be exact.
private func keepsEverything(_ body: DecodedFrameBody) -> Bool {
  switch body {
  case .bsm(let bsm):
    return !bsm.hasExtension && bsm.partII.count == 0 && bsm.regionalCount == 0
  case .psm(let psm):
    return !psm.hasExtension && !psm.position.hasExtension && psm.position.regionalCount == 0
      && psm.pathHistory == nil && psm.regionalCount == 0 && (psm.propulsion?.kind ?? 0) < 3
  case .other:
    return false
  }
}

private func encode(_ body: DecodedFrameBody) throws(V2XEncodeError) -> [UInt8] {
  switch body {
  case .bsm(let bsm): return try J2735.encodeFrame(bsm)
  case .psm(let psm): return try J2735.encodeFrame(psm)
  case .other: throw .notEncodable("not a BSM or PSM")
  }
}

private func hex(_ bytes: [UInt8]) -> String {
  bytes.map { String(format: "%02x", $0) }.joined()
}

/// Decodes `bytes`, requiring a BSM or PSM that uses every byte.
private func decodeBody(_ bytes: [UInt8]) throws -> DecodedFrameBody {
  let frame = try V2XFixtures.decode(bytes).get()
  #expect(frame.consumedBytes == bytes.count)
  return frame.body
}

@Suite struct EncoderVectorTests {
  private func roundTrip(_ name: String) throws -> RoundTripTally {
    var tally = RoundTripTally()
    var reported = 0
    func report(_ message: String) {
      if reported < 5 { Issue.record("\(name): \(message)") }
      reported += 1
    }
    for (index, vector) in try V2XFixtures.jsonl(name).enumerated() {
      tally.total += 1
      let original = V2XFixtures.bytes(hex: vector["hex"] as! String)
      let body = try decodeBody(original)
      let encoded: [UInt8]
      do {
        encoded = try encode(body)
      } catch {
        report("[\(index)] encode failed: \(error)")
        continue
      }
      if keepsEverything(body) {
        tally.complete += 1
        if encoded == original {
          tally.identical += 1
        } else {
          report("[\(index)] \(hex(encoded)) != \(hex(original))")
        }
      }
      if (try? decodeBody(encoded)) == body {
        tally.valueRoundTrips += 1
      } else {
        report("[\(index)] decode(encode(x)) != x")
      }
      if case .bsm(let bsm) = body {
        let parts = try original.withUnsafeBytes { try BSMCarriedParts(frame: $0) }
        if try J2735.encodeFrame(bsm, carrying: parts) == original {
          tally.identicalWithCarriedParts += 1
        } else {
          report("[\(index)] with carried parts: not identical")
        }
      }
    }
    print("EncoderVectorTests \(name): \(tally)")
    return tally
  }

  @Test func realBSMs() throws {
    let tally = try roundTrip("bsm-real.jsonl")
    #expect(tally.total == 993)
    // Every real BSM carries Part II, which the decoded value keeps as ids only.
    #expect(tally.identical == tally.complete)
    #expect(tally.valueRoundTrips == tally.total)
    #expect(tally.identicalWithCarriedParts == tally.total)
  }

  @Test func generatedBSMs() throws {
    let tally = try roundTrip("bsm-generated.jsonl")
    #expect(tally.total == 150)
    #expect(tally.complete > 0)
    #expect(tally.identical == tally.complete)
    #expect(tally.valueRoundTrips == tally.total)
    #expect(tally.identicalWithCarriedParts == tally.total)
  }

  @Test func generatedPSMs() throws {
    let tally = try roundTrip("psm-generated.jsonl")
    #expect(tally.total == 150)
    #expect(tally.complete == tally.total)
    #expect(tally.identical == tally.total)
    #expect(tally.valueRoundTrips == tally.total)
  }

  @Test func realPSM() throws {
    let tally = try roundTrip("psm-real.jsonl")
    #expect(tally.total == 2)
    #expect(tally.identical == tally.total)
  }

  /// Frames found inside the raw payloads (WSMP, 1609.2, forwarder headers) re-encode to the
  /// same octets as the frame slice.
  @Test func framesInsideRawPayloads() throws {
    let files = try FileManager.default.contentsOfDirectory(
      atPath: V2XFixtures.directory.appendingPathComponent("raw").path)
    var checked = 0
    for file in files.sorted() where file.hasSuffix(".hex") {
      for payload in try V2XFixtures.rawLines(file) {
        guard
          case .success(let located) = payload.withUnsafeBytes({ V2XUnwrap.locateFrame($0) }),
          located.messageId == 20 || located.messageId == 32
        else { continue }
        let frame = Array(payload[located.frame])
        guard let body = try? decodeBody(frame) else { continue }
        checked += 1
        switch body {
        case .bsm(let bsm):
          let parts = try frame.withUnsafeBytes { try BSMCarriedParts(frame: $0) }
          #expect(try J2735.encodeFrame(bsm, carrying: parts) == frame, "\(file)")
        case .psm(let psm) where keepsEverything(body):
          #expect(try J2735.encodeFrame(psm) == frame, "\(file)")
        default:
          #expect(try decodeBody(encode(body)) == body, "\(file)")
        }
      }
    }
    print("EncoderVectorTests raw payloads: \(checked) BSM/PSM frames re-encoded")
    #expect(checked > 0)
  }

  /// Without carried parts, Part II is written as its all-absent stand-ins: same ids, and the
  /// bytes a decoder sees are a valid (empty) VehicleSafetyExtensions etc.
  @Test func partIIStandIns() throws {
    let vector = try #require(V2XFixtures.jsonl("bsm-real.jsonl").first)
    let original = V2XFixtures.bytes(hex: vector["hex"] as! String)
    guard case .bsm(let bsm) = try decodeBody(original) else {
      Issue.record("expected a BSM")
      return
    }
    let encoded = try J2735.encodeFrame(bsm)
    let parts = try encoded.withUnsafeBytes { try BSMCarriedParts(frame: $0) }
    #expect(parts.partII.map(\.id) == [0, 2])
    #expect(parts.partII.map(\.octets) == [[0x00], [0x00, 0x00]])
    #expect(encoded.count < original.count)
  }
}

// MARK: - Values built from scratch

@Suite struct EncoderScratchTests {
  /// A BSM the way a scenario generator builds one: known fields set, the rest unavailable.
  static func scenarioBSM() -> BasicSafetyMessage {
    var core = BSMCoreData.unavailable
    core.id = 0xDEAD_BEEF
    core.msgCnt = 42
    core.secMark = 12_345
    core.lat = 405_659_938
    core.long = -1_050_317_754
    core.elev = 14_409
    core.accuracy = PositionalAccuracy(semiMajor: 40, semiMinor: 30, orientation: 1000)
    core.speed = 694  // 13.88 m/s
    core.heading = 7200  // 90°
    core.transmission = 2  // forwardGears
    core.size = VehicleSize(width: 190, length: 480)
    return BasicSafetyMessage(coreData: core)
  }

  static func scenarioPSM() -> PersonalSafetyMessage {
    PersonalSafetyMessage(
      basicType: 1, secMark: 59_999, msgCnt: 127, id: 0x0102_0304,
      position: Position3D(lat: 402_397_377, long: -742_761_437),
      accuracy: .unavailable, speed: 70, heading: 28_799)
  }

  @Test func scenarioBSMRoundTrips() throws {
    let bsm = Self.scenarioBSM()
    let bytes = try J2735.encodeFrame(bsm)
    // messageId 20, then a 37-octet body: 3 header bits and the 290-bit core, padded.
    #expect(Array(bytes.prefix(3)) == [0x00, 0x14, 0x25])
    #expect(bytes.count == 3 + 37)
    #expect(try decodeBody(bytes) == .bsm(bsm))
    let si = BSMSIView(bsm.coreData)
    #expect(si.steeringAngleDegrees == nil && si.acceleration.longitudinal == nil)
  }

  @Test func scenarioPSMRoundTrips() throws {
    var psm = Self.scenarioPSM()
    #expect(try decodeBody(J2735.encodeFrame(psm)) == .psm(psm))
    psm.position.elevation = -4096
    psm.accelSet = .unavailable
    psm.pathPrediction = .straight(confidence: 200)
    psm.propulsion = .human(2)
    psm.clusterRadius = 100
    #expect(try decodeBody(J2735.encodeFrame(psm)) == .psm(psm))
  }

  /// Every optional PSM field, with enum values past the root and bit strings of non-root size.
  @Test func psmWithEveryOptionalField() throws {
    var psm = Self.scenarioPSM()
    psm.basicType = 9
    psm.accelSet = AccelerationSet4Way(long: -2000, lat: 2001, vert: 127, yaw: -32767)
    psm.pathHistory = PathHistorySummary(hasInitialPosition: true, gnssStatus: 0xA5, crumbCount: 23)
    psm.pathPrediction = .curve(radiusOfCurve: -32767, confidence: 0)
    psm.propulsion = .motor(70)
    psm.useState = BitField(value: 0x1FF, count: 9)
    psm.crossRequest = true
    psm.crossState = false
    psm.clusterSize = 4
    psm.clusterRadius = 0
    psm.eventResponderType = 7
    psm.activityType = BitField(value: 0b1010_1010, count: 8)
    psm.activitySubType = BitField(value: 0, count: 0)
    psm.assistType = BitField(value: 0x3F, count: 6)
    psm.sizing = BitField(value: 0xFFFF_FFFF, count: 32)
    psm.attachment = 200
    psm.attachmentRadius = 200
    psm.animalType = 3
    psm.regionalCount = 4
    psm.position.regionalCount = 1
    #expect(try decodeBody(J2735.encodeFrame(psm)) == .psm(psm))
    psm.propulsion = Propulsion(kind: 5, value: 0)  // an alternative past the root
    #expect(try decodeBody(J2735.encodeFrame(psm)) == .psm(psm))
  }

  @Test func rangeEdgesRoundTrip() throws {
    var low = BSMCoreData.unavailable
    low.msgCnt = 0
    low.secMark = 0
    low.lat = -900_000_000
    low.long = -1_799_999_999
    low.elev = -4096
    low.accuracy = PositionalAccuracy(semiMajor: 0, semiMinor: 0, orientation: 0)
    low.transmission = 0
    low.speed = 0
    low.heading = 0
    low.angle = -126
    low.accelSet = AccelerationSet4Way(long: -2000, lat: -2000, vert: -127, yaw: -32767)
    low.brakes = BrakeSystemStatus(
      wheelBrakes: 0, traction: 0, abs: 0, scs: 0, brakeBoost: 0, auxBrakes: 0)
    low.size = VehicleSize(width: 0, length: 0)
    var high = low
    high.msgCnt = 127
    high.id = .max
    high.secMark = .max
    high.lat = 900_000_001
    high.long = 1_800_000_001
    high.elev = 61439
    high.accuracy = PositionalAccuracy(semiMajor: 255, semiMinor: 255, orientation: .max)
    high.transmission = 7
    high.speed = 8191
    high.heading = 28800
    high.angle = 127
    high.accelSet = AccelerationSet4Way(long: 2001, lat: 2001, vert: 127, yaw: 32767)
    high.brakes = BrakeSystemStatus(
      wheelBrakes: 31, traction: 3, abs: 3, scs: 3, brakeBoost: 2, auxBrakes: 3)
    high.size = VehicleSize(width: 1023, length: 4095)
    for core in [low, high] {
      let bsm = BasicSafetyMessage(coreData: core)
      #expect(try decodeBody(J2735.encodeFrame(bsm)) == .bsm(bsm))
    }
    // The core's lowest values are all zero offsets: 290 zero bits after the 3 header bits.
    let zeros = try J2735.encodeFrame(BasicSafetyMessage(coreData: low))
    #expect(zeros.dropFirst(3).allSatisfy { $0 == 0 })
  }

  /// Random in-range values (fixed seed) of every field survive decode(encode(x)).
  @Test func randomValuesRoundTrip() throws {
    var random = SplitMix64(seed: 0x5EED)
    for _ in 0..<3000 {
      let bsm = BasicSafetyMessage(coreData: random.bsmCore())
      #expect(try decodeBody(J2735.encodeFrame(bsm)) == .bsm(bsm))
      let psm = random.psm()
      #expect(try decodeBody(J2735.encodeFrame(psm)) == .psm(psm))
    }
  }

  /// One writer reused across messages: each frame starts on an octet boundary and equals the
  /// standalone encoding; a failed encode leaves the writer as it was.
  @Test func reusedWriter() throws {
    let bsm = Self.scenarioBSM()
    let psm = Self.scenarioPSM()
    var writer = UPERWriter()
    try J2735.encodeFrame(bsm, into: &writer)
    let bsmBytes = writer.bytes
    try J2735.encodeFrame(psm, into: &writer)
    #expect(writer.bytes == (try J2735.encodeFrame(bsm)) + (try J2735.encodeFrame(psm)))
    var bad = bsm
    bad.coreData.speed = 9000
    let before = writer.bytes
    #expect(throws: V2XEncodeError.self) { try J2735.encodeFrame(bad, into: &writer) }
    #expect(writer.bytes == before && writer.bitCount == before.count * 8)
    writer.removeAll()
    try J2735.encodeFrame(bsm, into: &writer)
    #expect(writer.bytes == bsmBytes)
  }
}

// MARK: - Out-of-range values

@Suite struct EncoderErrorTests {
  private func expectBSMError(
    _ expected: V2XEncodeError, _ change: (inout BSMCoreData) -> Void,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    var bsm = EncoderScratchTests.scenarioBSM()
    change(&bsm.coreData)
    #expect(throws: expected, sourceLocation: sourceLocation) { try J2735.encodeFrame(bsm) }
  }

  /// secMark needs no case: it is a UInt16 and DSecond is 0...65535, so the type already
  /// rules out every value the encoder would refuse.
  @Test func bsmFieldsOutOfRange() {
    expectBSMError(
      .valueOutOfRange(field: "lat", value: 900_000_002, lower: -900_000_000, upper: 900_000_001)
    ) {
      $0.lat = 900_000_002  // beyond +90° (900000001 is "unavailable")
    }
    expectBSMError(
      .valueOutOfRange(field: "lat", value: -900_000_001, lower: -900_000_000, upper: 900_000_001)
    ) {
      $0.lat = -900_000_001
    }
    expectBSMError(
      .valueOutOfRange(
        field: "long", value: -1_800_000_000, lower: -1_799_999_999, upper: 1_800_000_001)
    ) {
      $0.long = -1_800_000_000
    }
    expectBSMError(.valueOutOfRange(field: "msgCnt", value: 128, lower: 0, upper: 127)) {
      $0.msgCnt = 128
    }
    expectBSMError(.valueOutOfRange(field: "speed", value: 8192, lower: 0, upper: 8191)) {
      $0.speed = 8192
    }
    expectBSMError(.valueOutOfRange(field: "heading", value: 28801, lower: 0, upper: 28800)) {
      $0.heading = 28801
    }
    expectBSMError(.valueOutOfRange(field: "elev", value: 61440, lower: -4096, upper: 61439)) {
      $0.elev = 61440
    }
    expectBSMError(.valueOutOfRange(field: "transmission", value: 8, lower: 0, upper: 7)) {
      $0.transmission = 8
    }
    expectBSMError(.valueOutOfRange(field: "angle", value: -127, lower: -126, upper: 127)) {
      $0.angle = -127
    }
    expectBSMError(.valueOutOfRange(field: "accelSet.long", value: 2002, lower: -2000, upper: 2001))
    {
      $0.accelSet.long = 2002
    }
    expectBSMError(.valueOutOfRange(field: "accelSet.vert", value: -128, lower: -127, upper: 127)) {
      $0.accelSet.vert = -128
    }
    expectBSMError(
      .valueOutOfRange(field: "accelSet.yaw", value: -32768, lower: -32767, upper: 32767)
    ) {
      $0.accelSet.yaw = .min
    }
    expectBSMError(.valueOutOfRange(field: "brakes.brakeBoost", value: 3, lower: 0, upper: 2)) {
      $0.brakes.brakeBoost = 3
    }
    expectBSMError(.valueOutOfRange(field: "brakes.wheelBrakes", value: 32, lower: 0, upper: 31)) {
      $0.brakes.wheelBrakes = 32
    }
    expectBSMError(.valueOutOfRange(field: "size.width", value: 1024, lower: 0, upper: 1023)) {
      $0.size.width = 1024
    }
    expectBSMError(.valueOutOfRange(field: "size.length", value: 4096, lower: 0, upper: 4095)) {
      $0.size.length = 4096
    }
  }

  @Test func errorDescriptionsNameTheField() {
    var bsm = EncoderScratchTests.scenarioBSM()
    bsm.coreData.lat = 950_000_000
    do {
      _ = try J2735.encodeFrame(bsm)
      Issue.record("expected an error")
    } catch {
      #expect(
        error.description
          == "value out of range: lat = 950000000, allowed -900000000...900000001")
    }
  }

  @Test func psmFieldsOutOfRange() {
    func expectPSMError(
      _ expected: V2XEncodeError, sourceLocation: SourceLocation = #_sourceLocation,
      _ change: (inout PersonalSafetyMessage) -> Void
    ) {
      var psm = EncoderScratchTests.scenarioPSM()
      change(&psm)
      #expect(throws: expected, sourceLocation: sourceLocation) { try J2735.encodeFrame(psm) }
    }
    expectPSMError(
      .valueOutOfRange(
        field: "position.lat", value: 900_000_002, lower: -900_000_000, upper: 900_000_001)
    ) {
      $0.position.lat = 900_000_002
    }
    expectPSMError(.valueOutOfRange(field: "msgCnt", value: 200, lower: 0, upper: 127)) {
      $0.msgCnt = 200
    }
    expectPSMError(.valueOutOfRange(field: "speed", value: 10000, lower: 0, upper: 8191)) {
      $0.speed = 10000
    }
    expectPSMError(.valueOutOfRange(field: "clusterRadius", value: 101, lower: 0, upper: 100)) {
      $0.clusterRadius = 101
    }
    expectPSMError(.valueOutOfRange(field: "attachmentRadius", value: 201, lower: 0, upper: 200)) {
      $0.attachmentRadius = 201
    }
    expectPSMError(
      .valueOutOfRange(field: "pathPrediction.confidence", value: 201, lower: 0, upper: 200)
    ) {
      $0.pathPrediction = .straight(confidence: 201)
    }
    expectPSMError(
      .valueOutOfRange(field: "radiusOfCurve", value: -32768, lower: -32767, upper: 32767)
    ) {
      $0.pathPrediction = .curve(radiusOfCurve: .min, confidence: 0)
    }
    expectPSMError(.valueOutOfRange(field: "sizing", value: 32, lower: 0, upper: 31)) {
      $0.sizing = BitField(value: 32, count: 5)
    }
    expectPSMError(.sizeOutOfRange(field: "useState", size: 33, lower: 0, upper: 32)) {
      $0.useState = BitField(value: 1, count: 33)
    }
    expectPSMError(.sizeOutOfRange(field: "pathHistory crumb count", size: 0, lower: 1, upper: 23))
    {
      $0.pathHistory = PathHistorySummary(hasInitialPosition: false, gnssStatus: nil, crumbCount: 0)
    }
    expectPSMError(.sizeOutOfRange(field: "regional count", size: 5, lower: 1, upper: 4)) {
      $0.regionalCount = 5
    }
    expectPSMError(
      .notEncodable("PSM extension bit: the decoder kept no extension additions to write")
    ) {
      $0.hasExtension = true
    }
    expectPSMError(.notEncodable("propulsion value for an alternative past the root")) {
      $0.propulsion = Propulsion(kind: 4, value: 1)
    }
  }

  @Test func carriedPartsMustMatch() throws {
    let vector = try #require(V2XFixtures.jsonl("bsm-real.jsonl").first)
    let original = V2XFixtures.bytes(hex: vector["hex"] as! String)
    guard case .bsm(let bsm) = try decodeBody(original) else {
      Issue.record("expected a BSM")
      return
    }
    var parts = try original.withUnsafeBytes { try BSMCarriedParts(frame: $0) }
    parts.partII[0].id = 1
    #expect(throws: V2XEncodeError.carriedPartsMismatch("Part II ids differ from the value's")) {
      try J2735.encodeFrame(bsm, carrying: parts)
    }
    #expect(throws: V2XEncodeError.self) {
      try J2735.encodeFrame(bsm, carrying: BSMCarriedParts())
    }
    #expect(throws: V2XEncodeError.self) {
      try J2735.encodeFrame(
        EncoderScratchTests.scenarioBSM(), carrying: BSMCarriedParts(partII: parts.partII))
    }
  }
}

// MARK: - UPERWriter primitives

@Suite struct UPERWriterTests {
  private func reader<T>(_ writer: UPERWriter, _ body: (inout UPERReader) throws -> T) rethrows -> T
  {
    try writer.bytes.withUnsafeBytes { buffer in
      var reader = UPERReader(buffer)
      return try body(&reader)
    }
  }

  @Test func constrainedUsesMinimalWidth() throws {
    var writer = UPERWriter()
    try writer.constrained(5, 5, 5, field: "single value")  // zero bits
    #expect(writer.bitCount == 0)
    try writer.constrained(2, 0, 2, field: "three values")  // 2 bits
    try writer.constrained(-900_000_000, -900_000_000, 900_000_001, field: "lat")  // 31 bits
    try writer.constrained(1_800_000_001, -1_799_999_999, 1_800_000_001, field: "long")  // 32
    #expect(writer.bitCount == 2 + 31 + 32)
    try reader(writer) { (reader) throws in
      #expect(try reader.constrained(0, 2, field: "x") == 2)
      #expect(try reader.constrained(-900_000_000, 900_000_001, field: "x") == -900_000_000)
      #expect(try reader.constrained(-1_799_999_999, 1_800_000_001, field: "x") == 1_800_000_001)
    }
  }

  @Test func lengthsAndNormallySmallNumbers() throws {
    var writer = UPERWriter()
    for length in [0, 127, 128, 16383] { try writer.lengthDeterminant(length) }
    for value in [0, 63, 64, 255, 70000] { try writer.normallySmall(value) }
    #expect(throws: V2XEncodeError.self) { try writer.lengthDeterminant(16384) }
    try reader(writer) { (reader) throws in
      for length in [0, 127, 128, 16383] { #expect(try reader.lengthDeterminant() == length) }
      for value in [0, 63, 64, 255] { #expect(try reader.normallySmall() == value) }
    }
    // 127 fits one octet, 128 needs the two-octet form 10xxxxxx xxxxxxxx.
    #expect(Array(writer.bytes.prefix(4)) == [0x00, 0x7F, 0x80, 0x80])
  }

  @Test func bitsRefusesValuesWiderThanTheField() {
    var writer = UPERWriter()
    #expect(throws: V2XEncodeError.self) { try writer.bits(8, count: 3) }
    #expect(writer.bitCount == 0)
  }

  @Test func extensibleFieldsMirrorTheReader() throws {
    var writer = UPERWriter()
    try writer.extensibleEnumerated(3, rootCount: 5, field: "e")
    try writer.extensibleEnumerated(5, rootCount: 5, field: "e")
    try writer.extensibleEnumerated(255, rootCount: 4, field: "e")
    try writer.extensibleBitString(BitField(value: 0b101, count: 3), rootSize: 3, field: "b")
    try writer.extensibleBitString(BitField(value: 0b1, count: 1), rootSize: 3, field: "b")
    var present = PresenceBitmap(fieldCount: 3)
    present.mark(0, true)
    present.mark(2, true)
    writer.presence(present)
    try reader(writer) { (reader) throws in
      #expect(try reader.extensibleEnumerated(rootCount: 5, field: "e") == 3)
      #expect(try reader.extensibleEnumerated(rootCount: 5, field: "e") == 5)
      #expect(try reader.extensibleEnumerated(rootCount: 4, field: "e") == 255)
      #expect(
        try reader.extensibleBitString(rootSize: 3, field: "b") == BitField(value: 5, count: 3))
      #expect(
        try reader.extensibleBitString(rootSize: 3, field: "b") == BitField(value: 1, count: 1))
      #expect(try reader.bits(3) == 0b101)
    }
  }

  /// Open types at every bit alignment, with one- and two-octet lengths, and empty contents
  /// (one zero octet, X.691 11.2).
  @Test func openTypesAtEveryAlignment() throws {
    for lead in 0..<8 {
      for contentBits in [0, 1, 7, 8, 9, 1015, 1016, 1017, 5000] {
        var writer = UPERWriter()
        try writer.bits(0b1011_0101 >> UInt64(8 - lead), count: lead)
        try writer.openType { (inner) throws(V2XEncodeError) in
          for index in 0..<contentBits { inner.bool(index % 3 == 0) }
        }
        try writer.bits(0b101, count: 3)
        let octets = max(1, (contentBits + 7) / 8)
        try reader(writer) { (reader) throws in
          #expect(try reader.bits(lead) == 0b1011_0101 >> UInt64(8 - lead))
          var inner = try reader.openType()
          #expect(inner.remainingBits == octets * 8, "lead \(lead), \(contentBits) bits")
          for index in 0..<contentBits { #expect(try inner.bool() == (index % 3 == 0)) }
          while inner.remainingBits > 0 { #expect(try inner.bool() == false) }
          #expect(try reader.bits(3) == 0b101)
        }
      }
    }
  }

  /// 16384 octets or more would need fragmentation (X.691 11.9.3.8), which is refused.
  @Test func hugeOpenTypeIsRefused() throws {
    var writer = UPERWriter()
    try writer.bits(1, count: 1)
    try writer.openType { (inner) throws(V2XEncodeError) in
      inner.octets([UInt8](repeating: 0xA5, count: 16383))
    }
    #expect(writer.bitCount == 1 + 16 + 16383 * 8)
    writer.removeAll()
    #expect(throws: V2XEncodeError.unsupported("fragmented open type (16384 octets or more)")) {
      try writer.openType { (inner) throws(V2XEncodeError) in
        inner.octets([UInt8](repeating: 0xA5, count: 16384))
      }
    }
    #expect(writer.bitCount == 0 && writer.bytes.isEmpty)
  }

  @Test func failedOpenTypeLeavesTheWriterAsItWas() throws {
    var writer = UPERWriter()
    try writer.bits(0b11, count: 2)
    let before = writer.bytes
    #expect(throws: V2XEncodeError.self) {
      try writer.openType { (inner) throws(V2XEncodeError) in
        inner.bool(true)
        try inner.constrained(9, 0, 7, field: "x")
      }
    }
    #expect(writer.bytes == before && writer.bitCount == 2)
  }
}

// MARK: - Random values

/// A small deterministic generator, so random tests repeat exactly.
struct SplitMix64 {
  var state: UInt64
  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  mutating func int(_ range: ClosedRange<Int64>) -> Int64 {
    let span = UInt64(bitPattern: range.upperBound &- range.lowerBound) &+ 1
    let offset = span == 0 ? next() : next() % span
    return range.lowerBound &+ Int64(bitPattern: offset)
  }

  mutating func bool() -> Bool { next() & 1 == 1 }

  mutating func maybe<T>(_ make: (inout SplitMix64) -> T) -> T? {
    bool() ? make(&self) : nil
  }

  mutating func accuracy() -> PositionalAccuracy {
    PositionalAccuracy(
      semiMajor: UInt8(int(0...255)), semiMinor: UInt8(int(0...255)),
      orientation: UInt16(int(0...65535)))
  }

  mutating func accelSet() -> AccelerationSet4Way {
    AccelerationSet4Way(
      long: Int16(int(-2000...2001)), lat: Int16(int(-2000...2001)), vert: Int8(int(-127...127)),
      yaw: Int16(int(-32767...32767)))
  }

  mutating func bsmCore() -> BSMCoreData {
    BSMCoreData(
      msgCnt: UInt8(int(0...127)), id: UInt32(truncatingIfNeeded: next()),
      secMark: UInt16(int(0...65535)), lat: Int32(int(-900_000_000...900_000_001)),
      long: Int32(int(-1_799_999_999...1_800_000_001)), elev: Int32(int(-4096...61439)),
      accuracy: accuracy(), transmission: UInt8(int(0...7)), speed: UInt16(int(0...8191)),
      heading: UInt16(int(0...28800)), angle: Int16(int(-126...127)), accelSet: accelSet(),
      brakes: BrakeSystemStatus(
        wheelBrakes: UInt8(int(0...31)), traction: UInt8(int(0...3)), abs: UInt8(int(0...3)),
        scs: UInt8(int(0...3)), brakeBoost: UInt8(int(0...2)), auxBrakes: UInt8(int(0...3))),
      size: VehicleSize(width: UInt16(int(0...1023)), length: UInt16(int(0...4095))))
  }

  mutating func bitField(rootSize: Int) -> BitField {
    let count = bool() ? rootSize : Int(int(0...32))
    let value = count == 0 ? 0 : UInt32(truncatingIfNeeded: next() >> UInt64(64 - count))
    return BitField(value: value, count: UInt8(count))
  }

  mutating func psm() -> PersonalSafetyMessage {
    var psm = PersonalSafetyMessage(
      basicType: UInt8(int(0...255)), secMark: UInt16(int(0...65535)),
      msgCnt: UInt8(int(0...127)), id: UInt32(truncatingIfNeeded: next()),
      position: Position3D(
        lat: Int32(int(-900_000_000...900_000_001)),
        long: Int32(int(-1_799_999_999...1_800_000_001)),
        elevation: maybe { Int32($0.int(-4096...61439)) }),
      accuracy: accuracy(), speed: UInt16(int(0...8191)), heading: UInt16(int(0...28800)))
    psm.position.regionalCount = bool() ? 0 : Int(int(0...4))
    psm.accelSet = maybe { $0.accelSet() }
    psm.pathHistory = maybe {
      PathHistorySummary(
        hasInitialPosition: $0.bool(), gnssStatus: $0.maybe { UInt8($0.int(0...255)) },
        crumbCount: Int($0.int(1...23)))
    }
    psm.pathPrediction = maybe {
      .curve(radiusOfCurve: Int16($0.int(-32767...32767)), confidence: UInt8($0.int(0...200)))
    }
    psm.propulsion = maybe {
      let kind = UInt8($0.int(0...5))
      return Propulsion(kind: kind, value: kind >= 3 ? 0 : UInt8($0.int(0...255)))
    }
    psm.useState = maybe { $0.bitField(rootSize: 9) }
    psm.crossRequest = maybe { $0.bool() }
    psm.crossState = maybe { $0.bool() }
    psm.clusterSize = maybe { UInt8($0.int(0...255)) }
    psm.clusterRadius = maybe { UInt8($0.int(0...100)) }
    psm.eventResponderType = maybe { UInt8($0.int(0...255)) }
    psm.activityType = maybe { $0.bitField(rootSize: 6) }
    psm.activitySubType = maybe { $0.bitField(rootSize: 7) }
    psm.assistType = maybe { $0.bitField(rootSize: 6) }
    psm.sizing = maybe { $0.bitField(rootSize: 5) }
    psm.attachment = maybe { UInt8($0.int(0...255)) }
    psm.attachmentRadius = maybe { UInt8($0.int(0...200)) }
    psm.animalType = maybe { UInt8($0.int(0...255)) }
    psm.regionalCount = bool() ? 0 : Int(int(0...4))
    return psm
  }
}
