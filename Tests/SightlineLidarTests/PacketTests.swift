import Foundation
import SightlineLidar
import SightlineVelodyne
import Testing

/// A well-formed VLP-16 strongest-return packet with every return at `rawDistance`.
func syntheticPacket(
  azimuth: UInt16 = 1000, step: UInt16 = 20, rawDistance: UInt16 = 5000,
  micros: UInt32 = 1_000_000, mode: UInt8 = 0x37, product: UInt8 = 0x22
) -> [UInt8] {
  var bytes = [UInt8](repeating: 0, count: 1206)
  for block in 0..<12 {
    let base = block * 100
    bytes[base] = 0xFF
    bytes[base + 1] = 0xEE
    let a = (azimuth + UInt16(block) * step) % 36000
    bytes[base + 2] = UInt8(a & 0xFF)
    bytes[base + 3] = UInt8(a >> 8)
    for channel in 0..<32 {
      let at = base + 4 + channel * 3
      bytes[at] = UInt8(rawDistance & 0xFF)
      bytes[at + 1] = UInt8(rawDistance >> 8)
      bytes[at + 2] = UInt8(channel)
    }
  }
  withUnsafeBytes(of: micros.littleEndian) { bytes.replaceSubrange(1200..<1204, with: $0) }
  bytes[1204] = mode
  bytes[1205] = product
  return bytes
}

func parse(_ bytes: [UInt8]) -> VelodynePacketHeaderParse {
  bytes.withUnsafeBytes { VelodynePacketHeader.parse($0) }
}

/// The header of a packet that must parse; a test that gets anything else fails here.
func header(_ bytes: [UInt8]) throws -> VelodynePacketHeader {
  guard case .header(let header) = parse(bytes) else {
    throw HeaderRejected(parse: "\(parse(bytes))")
  }
  return header
}

struct HeaderRejected: Error, CustomStringConvertible {
  let parse: String
  var description: String { "the packet did not parse as a header: \(parse)" }
}

@Suite struct PacketTests {
  @Test func readsTheHeaderFields() {
    guard case .header(let header) = parse(syntheticPacket()) else {
      Issue.record("rejected a valid packet")
      return
    }
    #expect(header.model == .vlp16)
    #expect(header.returnMode == .strongest)
    #expect(header.microsecondsPastHour == 1_000_000)
    #expect(header.firstBlockAzimuth == 1000)
    #expect(header.lastBlockAzimuth == 1220)
  }

  struct Malformed: CustomTestStringConvertible, Sendable {
    var name: String
    var bytes: [UInt8]
    var reason: PacketRejectReason
    var testDescription: String { name }
  }

  static let malformed: [Malformed] = [
    Malformed(name: "1205 bytes", bytes: Array(syntheticPacket().dropLast()), reason: .wrongSize),
    Malformed(name: "1207 bytes", bytes: syntheticPacket() + [0], reason: .wrongSize),
    Malformed(
      name: "garbage", bytes: [UInt8](repeating: 0xAB, count: 1206), reason: .badBlockFlag),
    Malformed(
      name: "azimuth 0xFF96",
      bytes: syntheticPacket().enumerated().map { $0.offset == 3 ? 0xFF : $0.element },
      reason: .impossibleAzimuth),
    Malformed(
      name: "time past the hour", bytes: syntheticPacket(micros: 3_600_000_000),
      reason: .impossibleTimestamp),
    Malformed(name: "mode 0x40", bytes: syntheticPacket(mode: 0x40), reason: .unknownReturnMode),
  ]

  @Test(arguments: malformed)
  func rejectsMalformedPacketsByReason(_ input: Malformed) {
    guard case .rejected(let got) = parse(input.bytes) else {
      Issue.record("accepted a malformed packet")
      return
    }
    #expect(got == input.reason)
  }

  @Test func modelComesFromTheProductByteUnlessOverridden() throws {
    guard case .header(let hdl) = parse(syntheticPacket(product: 0x21)) else {
      Issue.record("rejected")
      return
    }
    #expect(VelodyneDecoder().rejection(of: hdl) == nil)
    #expect(VelodyneDecoder().model(of: hdl) == .hdl32e)
    // Early VLP-16 firmware reports 0x21: an override decodes it as a VLP-16 anyway.
    #expect(VelodyneDecoder(modelOverride: .vlp16).model(of: hdl) == .vlp16)
    let unknown = try header(syntheticPacket(product: 0x99))
    #expect(VelodyneDecoder().rejection(of: unknown) == .unsupportedModel)
    // A VLS-128 product byte on a packet whose blocks are all FF EE contradicts the structure.
    let fake = try header(syntheticPacket(product: 0xA1))
    #expect(VelodyneDecoder().rejection(of: fake) == .structureContradictsModel)
  }

  @Test func decodesGeometryAndTime() throws {
    let bytes = syntheticPacket(azimuth: 9000, step: 40, rawDistance: 5000)  // 10 m at 90°
    let header = try header(bytes)
    let decoder = VelodyneDecoder()
    var points = [LidarPoint]()
    let result = bytes.withUnsafeBytes {
      decoder.decode($0, header: header, packetTimeNanoseconds: 1_000, into: &points)
    }
    #expect(result.pointsEmitted == 384)
    let first = points[0]  // laser 0: −15°, azimuth 90° is to the right (−y)
    #expect(abs(first.distance - 10) < 1e-5)
    #expect(abs(first.x) < 1e-3)
    // Beams cross at a focal point f = 41.91 mm from the axis: z = d·sin(v) − f·tan(v).
    let v: Float = -15 * .pi / 180
    #expect(abs(first.y + 10 * cosf(v)) < 1e-4)
    #expect(abs(first.z - (10 * sinf(v) - 0.04191 * tanf(v))) < 1e-4)
    #expect(first.ring == 0)
    #expect(points[1].ring == 8)  // laser 1 is +1°, the ninth beam from the bottom
    // Second firing sequence of block 0 starts 55.296 µs later; laser 15 of block 11 fires last.
    #expect(points[16].timeNanoseconds == 1_000 + 55_296)
    #expect(points[383].timeNanoseconds == 1_000 + 23 * 55_296 + 15 * 2_304)
    // Its azimuth is interpolated half-way to the next block.
    #expect(points[16].azimuthCentidegrees == 9020)
  }

  @Test func rangeGateCountsWhatItDrops() throws {
    let bytes = syntheticPacket(rawDistance: 20)  // 4 cm, inside the 0.1 m minimum
    let header = try header(bytes)
    var points = [LidarPoint]()
    let result = bytes.withUnsafeBytes {
      VelodyneDecoder().decode(
        $0, header: header, packetTimeNanoseconds: 0, into: &points)
    }
    #expect(points.isEmpty)
    #expect(result.returnsOutOfRange == 384)
  }
}

@Suite struct TopOfHourTests {
  let hour: Int64 = 3_600_000_000_000
  let base: Int64 = 1_453_363_200_000_000_000  // 2016-01-21T08:00:00Z

  @Test func picksTheReferenceHour() {
    let t = TopOfHour.resolve(
      microsecondsPastHour: 1_082_000_000, referenceNanoseconds: base + 1_082_500_000_000)
    #expect(t == base + 1_082_000_000_000)
  }

  @Test func packetJustBeforeTheHourWithReferenceJustAfter() {
    // Sensor says :59:59.9, host already says :00:00.2 of the next hour.
    let t = TopOfHour.resolve(
      microsecondsPastHour: 3_599_900_000, referenceNanoseconds: base + hour + 200_000_000)
    #expect(t == base + hour - 100_000_000)
  }

  @Test func packetJustAfterTheHourWithReferenceJustBefore() {
    let t = TopOfHour.resolve(
      microsecondsPastHour: 100_000, referenceNanoseconds: base + hour - 300_000_000)
    #expect(t == base + hour + 100_000_000)
  }

  @Test func staysMonotonicAcrossTheWrap() {
    var previous = Int64.min
    for step in 0..<40 {
      let sensor = base + hour - 2_000_000_000 + Int64(step) * 100_000_000
      let micros = UInt32((sensor % hour) / 1000)
      // The reference lags by 370 ms, as the bundled capture's host clock does.
      let t = TopOfHour.resolve(
        microsecondsPastHour: micros, referenceNanoseconds: sensor + 370_000_000)
      #expect(t == sensor)
      #expect(t > previous)
      previous = t
    }
  }
}

@Suite struct SweepAssemblerTests {
  func header(_ first: UInt16, _ last: UInt16) -> VelodynePacketHeader {
    VelodynePacketHeader(
      microsecondsPastHour: 0, returnModeByte: 0x37, productByte: 0x22,
      firstBlockAzimuth: first, lastBlockAzimuth: last)
  }

  @Test func closesOnThePacketThatCrossesTheCut() {
    var assembler = SweepAssembler(cutAzimuthCentidegrees: 0)
    var closed = [Int]()
    var azimuth = 30000
    for index in 0..<200 {
      let first = UInt16(azimuth % 36000)
      let last = UInt16((azimuth + 440) % 36000)
      let t = Int64(index) * 1_327_000
      let placement = assembler.place(packetTime: t)
      #expect(placement == .append)
      if assembler.didAppend(header(first, last), packetTime: t) {
        closed.append(index)
        assembler.reset()
      }
      azimuth += 480
    }
    // 75 packets per turn; the first closes after (36000-30000)/480 ≈ 12.5 packets.
    #expect(closed.first == 11 || closed.first == 12)
    #expect(zip(closed.dropFirst(), closed).allSatisfy { $0 - $1 == 75 })
  }

  @Test func backwardJitterIsNotAWrap() {
    var assembler = SweepAssembler(cutAzimuthCentidegrees: 0)
    let closed = [
      assembler.didAppend(header(10000, 10440), packetTime: 0),
      assembler.didAppend(header(10400, 10430), packetTime: 1),  // slightly backwards
      assembler.didAppend(header(10480, 10920), packetTime: 2),
    ]
    #expect(closed == [false, false, false])
  }

  @Test func aPauseEndsTheSweepAsIncomplete() {
    var assembler = SweepAssembler(cutAzimuthCentidegrees: 0, gapNanoseconds: 100_000_000)
    _ = assembler.didAppend(header(100, 540), packetTime: 0)
    let placement = assembler.place(packetTime: 500_000_000)
    #expect(placement == .cutThenAppend)
    #expect(!assembler.sweep.isComplete)
    #expect(assembler.sweep.hadGap)
  }

  @Test func aLatePacketIsDroppedAndCountedNotMerged() {
    var assembler = SweepAssembler()
    _ = assembler.didAppend(header(100, 540), packetTime: 2_000_000)
    let placement = assembler.place(packetTime: 1_000_000)
    #expect(placement == .dropLate)
    #expect(assembler.latePackets == 1)
    #expect(assembler.sweep.packetCount == 1)
  }

  @Test func aClockJumpBackwardsCutsTheSweep() {
    var assembler = SweepAssembler()
    _ = assembler.didAppend(header(100, 540), packetTime: 5_000_000_000)
    let placement = assembler.place(packetTime: 1_000_000_000)
    #expect(placement == .cutThenAppend)
  }

  @Test func missingPacketsAreCountedFromAzimuthJumpsDespiteRPMDrift() {
    var assembler = SweepAssembler(cutAzimuthCentidegrees: 0)
    var azimuth = 1000
    var step = 480
    for index in 0..<60 {
      if index == 30 { azimuth += 3 * step }  // three packets lost
      if index == 40 { step = 500 }  // the motor speeds up a little
      let first = UInt16(azimuth % 36000)
      _ = assembler.didAppend(
        header(first, UInt16((azimuth + step - 40) % 36000)), packetTime: Int64(index) * 1_327_000)
      azimuth += step
    }
    #expect(assembler.sweep.packetsMissing == 3)
    #expect(assembler.sweep.packetsExpected == 63)
  }
}
