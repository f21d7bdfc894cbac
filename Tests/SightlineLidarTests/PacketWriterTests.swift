// Packets written by VelodynePacketWriter must decode to the returns that went in. Expected times
// and azimuths come from the manuals' firing tables, not from the writer, so a wrong table, a
// wrong channel layout or a wrong interpolation fails here.

import Foundation
import SightlineLidar
import SightlineNet
import SightlinePcap
import SightlineVelodyne
import Testing

/// Firing time after the packet timestamp, from the user manuals.
func manualFiringOffsetNanoseconds(_ model: VelodyneModel, sequence: Int, laser: Int) -> Int64 {
  let s = Int64(sequence)
  let l = Int64(laser)
  switch model {
  case .vlp16, .puckHiRes: return s * 55_296 + l * 2_304
  case .hdl32e: return s * 46_080 + l * 1_152
  case .vlp32c: return s * 55_296 + (l / 2) * 2_304
  case .vls128:
    // Groups of 8 lasers 2.667 µs apart, two idle groups after laser 63, timestamp at group 3.
    let group = l / 8 + 2 * (l / 64)
    return (s * 160_000 + group * 8_000) / 3 - 7_000
  }
}

func manualDistanceUnit(_ model: VelodyneModel) -> Float {
  switch model {
  case .vls128, .vlp32c: 0.004
  case .vlp16, .puckHiRes, .hdl32e: 0.002
  }
}

/// Smallest difference of two azimuths in centidegrees, across the 0/36000 wrap.
func azimuthDifference(_ a: Double, _ b: Double) -> Double {
  let d = abs(a - b).truncatingRemainder(dividingBy: 36000)
  return min(d, 36000 - d)
}

/// One written-and-decoded configuration.
struct WriterCase: CustomTestStringConvertible, Sendable {
  var model: VelodyneModel
  var mode: ReturnMode
  var testDescription: String { "\(model) \(mode)" }
}

/// What a laser saw in the test pattern: misses, near and far returns, and in dual mode all three
/// dual situations (one echo, two echoes, last echo only).
func patternReturns(sequence s: Int, laser l: Int) -> FiringReturns {
  guard (s + l) % 11 != 0 else { return .none }
  let last = LaserReturn(
    distanceMeters: 1.5 + Float((s * 7 + l * 13) % 90) + 0.0013 * Float(l),
    intensity: UInt8((s * 31 + l * 5) % 256))
  switch (s + 2 * l) % 3 {
  case 0: return FiringReturns(last)
  case 1:
    return FiringReturns(
      last: last,
      strongest: LaserReturn(distanceMeters: last.distanceMeters * 0.6, intensity: 200))
  default: return FiringReturns(last: last, strongest: .none)
  }
}

/// The points a decoder should produce for what `patternReturns` put in one packet.
func expectedPoints(
  _ writer: VelodynePacketWriter, columnAzimuths: [UInt16], packetTime: Int64
) -> [LidarPoint] {
  let model = writer.model
  let unit = manualDistanceUnit(model)
  let sequencesPerColumn = writer.sequencesPerPacket / writer.columnsPerPacket
  func columnStart(_ column: Int) -> Int64 {
    manualFiringOffsetNanoseconds(model, sequence: column * sequencesPerColumn, laser: 0)
  }
  let lastColumn = writer.columnsPerPacket - 1
  let span = Double((Int(columnAzimuths[lastColumn]) - Int(columnAzimuths[0]) + 36000) % 36000)
  let rate = span / Double(columnStart(lastColumn) - columnStart(0))  // per nanosecond
  var points: [LidarPoint] = []
  for sequence in 0..<writer.sequencesPerPacket {
    for laser in 0..<writer.laserCount {
      let column = sequence / sequencesPerColumn
      let offset = manualFiringOffsetNanoseconds(model, sequence: sequence, laser: laser)
      let azimuth =
        Double(columnAzimuths[column]) + rate * Double(offset - columnStart(column))
      let firing = writer.firing(sequence: sequence, laser: laser)
      func point(_ laserReturn: LaserReturn, type: UInt8) -> LidarPoint {
        let distance = (laserReturn.distanceMeters / unit).rounded() * unit
        let at = firing.origin + distance * firing.direction
        return LidarPoint(
          x: at.x, y: at.y, z: at.z, distance: distance, timeNanoseconds: packetTime + offset,
          azimuthCentidegrees: UInt16(Int(azimuth.rounded()) % 36000),
          intensity: laserReturn.intensity, ring: firing.ring, returnType: type)
      }
      let returns = patternReturns(sequence: sequence, laser: laser)
      switch writer.returnMode {
      case .strongest:
        if returns.strongest.distanceMeters > 0 { points.append(point(returns.strongest, type: 1)) }
      case .last:
        if returns.last.distanceMeters > 0 { points.append(point(returns.last, type: 2)) }
      case .dual:
        if returns.last == returns.strongest {
          if returns.last.distanceMeters > 0 { points.append(point(returns.last, type: 3)) }
        } else {
          if returns.last.distanceMeters > 0 { points.append(point(returns.last, type: 2)) }
          if returns.strongest.distanceMeters > 0 {
            points.append(point(returns.strongest, type: 1))
          }
        }
      }
    }
  }
  return points
}

/// Decodes one packet the way the runtime does: header check, model check, decode.
func decodeWritten(
  _ packet: [UInt8], decoder: VelodyneDecoder = VelodyneDecoder(), packetTime: Int64
) throws -> (result: PacketDecodeResult, points: [LidarPoint]) {
  guard case .header(let header) = packet.withUnsafeBytes({ VelodynePacketHeader.parse($0) })
  else { throw PacketWriterTestFailure.rejectedHeader }
  if let reason = decoder.rejection(of: header) { throw PacketWriterTestFailure.rejected(reason) }
  var points: [LidarPoint] = []
  let result = packet.withUnsafeBytes {
    decoder.decode($0, header: header, packetTimeNanoseconds: packetTime, into: &points)
  }
  return (result, points)
}

enum PacketWriterTestFailure: Error {
  case rejectedHeader
  case rejected(PacketRejectReason)
}

/// Requires `decoded` to be `expected`, point for point, within the distance quantum.
func expectSamePoints(
  _ decoded: [LidarPoint], _ expected: [LidarPoint], unit: Float,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(decoded.count == expected.count, sourceLocation: sourceLocation)
  struct Key: Hashable {
    var time: Int64
    var ring: UInt8
    var returnType: UInt8
  }
  var byKey: [Key: LidarPoint] = [:]
  for point in expected {
    byKey[Key(time: point.timeNanoseconds, ring: point.ring, returnType: point.returnType)] = point
  }
  #expect(byKey.count == expected.count, "expected points must be distinct")
  var mismatches = 0
  for point in decoded {
    let key = Key(time: point.timeNanoseconds, ring: point.ring, returnType: point.returnType)
    guard let want = byKey.removeValue(forKey: key) else {
      mismatches += 1
      continue
    }
    // The decoder rounds the azimuth to 0.01°, which moves the point sideways a little.
    let sideways = point.distance * 0.5 * .pi / 18000 + 1e-4
    let ok =
      abs(point.distance - want.distance) <= unit / 2 + 1e-5
      && azimuthDifference(Double(point.azimuthCentidegrees), Double(want.azimuthCentidegrees))
        <= 1
      && point.intensity == want.intensity
      && abs(point.x - want.x) <= sideways && abs(point.y - want.y) <= sideways
      && abs(point.z - want.z) <= 1e-4
    if !ok {
      mismatches += 1
      if mismatches <= 3 {
        Issue.record("decoded \(point), expected \(want)", sourceLocation: sourceLocation)
      }
    }
  }
  #expect(mismatches == 0, sourceLocation: sourceLocation)
  let undecoded = byKey.count
  #expect(undecoded == 0, "expected points not decoded", sourceLocation: sourceLocation)
}

@Suite struct PacketWriterTests {
  static let hourStart: Int64 = 1_714_564_800 * 1_000_000_000  // 2024-05-01T12:00:00Z

  static let decodable: [WriterCase] = [
    WriterCase(model: .vlp16, mode: .strongest), WriterCase(model: .vlp16, mode: .last),
    WriterCase(model: .vlp16, mode: .dual), WriterCase(model: .vls128, mode: .strongest),
    WriterCase(model: .vls128, mode: .last), WriterCase(model: .hdl32e, mode: .strongest),
    WriterCase(model: .hdl32e, mode: .dual), WriterCase(model: .vlp32c, mode: .last),
    WriterCase(model: .vlp32c, mode: .dual), WriterCase(model: .puckHiRes, mode: .strongest),
  ]

  @Test(arguments: decodable)
  func packetsDecodeToTheReturnsWritten(_ input: WriterCase) throws {
    var writer = try VelodynePacketWriter(model: input.model, returnMode: input.mode)
    // Azimuths cross 0° inside the packet, with the step the sensor would have at 10 Hz.
    let step =
      Double(writer.packetPeriodNanoseconds) * 1e-9 * 360_000
      / Double(writer.columnsPerPacket)
    let azimuths = (0..<writer.columnsPerPacket).map {
      UInt16((35_800 + Int((Double($0) * step).rounded())) % 36000)
    }
    let micros: UInt32 = 1_234_567
    try writer.begin(microsecondsPastHour: micros, columnAzimuths: azimuths)
    for sequence in 0..<writer.sequencesPerPacket {
      for laser in 0..<writer.laserCount {
        writer.setReturns(
          patternReturns(sequence: sequence, laser: laser), sequence: sequence, laser: laser)
      }
    }
    let packet = writer.packet
    #expect(packet.count == 1206)
    let packetTime = Self.hourStart + Int64(micros) * 1000
    let (result, points) = try decodeWritten(packet, packetTime: packetTime)
    let expected = expectedPoints(writer, columnAzimuths: azimuths, packetTime: packetTime)
    #expect(result.pointsEmitted == expected.count)
    #expect(result.returnsOutOfRange == 0)
    #expect(
      result.mergedDualReturns == expected.filter { $0.returnType == ReturnType.both }.count)
    expectSamePoints(points, expected, unit: manualDistanceUnit(input.model))
    // Every kind of point the mode allows was exercised.
    let types = Set(points.map(\.returnType))
    switch input.mode {
    case .strongest: #expect(types == [1])
    case .last: #expect(types == [2])
    case .dual: #expect(types == [1, 2, 3])
    }
  }

  @Test func aMergedDualPairBeyondTheRangeGateIsADropNotAMerge() throws {
    var writer = try VelodynePacketWriter(model: .vlp16, returnMode: .dual)
    try writer.begin(
      microsecondsPastHour: 0, columnAzimuths: (0..<writer.columnsPerPacket).map { UInt16($0) })
    for sequence in 0..<writer.sequencesPerPacket {
      for laser in 0..<writer.laserCount {
        // Last and strongest agree: one point of type 3, near (5 m) on laser 0, else far (120 m).
        let distance: Float = laser == 0 ? 5 : 120
        writer.setReturns(
          FiringReturns(LaserReturn(distanceMeters: distance, intensity: 9)), sequence: sequence,
          laser: laser)
      }
    }
    let decoder = VelodyneDecoder(range: RangeLimits(minimum: 1, maximum: 100))
    let (result, points) = try decodeWritten(writer.packet, decoder: decoder, packetTime: 0)
    // 6 block pairs × 2 firing sequences for laser 0; the other 15 lasers' pairs are dropped.
    #expect(result.pointsEmitted == 12 && points.count == 12)
    #expect(points.allSatisfy { $0.returnType == ReturnType.both })
    #expect(result.mergedDualReturns == 12)
    #expect(result.returnsOutOfRange == 12 * 15)
  }

  @Test func headerFieldsAndByteLayoutFollowTheManual() throws {
    var vlp16 = try VelodynePacketWriter(model: .vlp16, returnMode: .strongest)
    try vlp16.begin(
      microsecondsPastHour: 0x0102_0304,
      columnAzimuths: (0..<12).map { UInt16(35_990 + $0) % 36000 })
    vlp16.setReturns(
      FiringReturns(LaserReturn(distanceMeters: 12.346, intensity: 77)), sequence: 1, laser: 3)
    let bytes = vlp16.packet
    for block in 0..<12 {
      #expect(bytes[block * 100] == 0xFF && bytes[block * 100 + 1] == 0xEE)
    }
    #expect(bytes[2] == 0x96 && bytes[3] == 0x8C)  // 35990 = 0x8C96
    #expect(bytes[11 * 100 + 2] == 0x01 && bytes[11 * 100 + 3] == 0x00)  // wrapped to 1
    // The second sequence of block 0, laser 3: channel 19. 12.346 m / 2 mm = 6173 = 0x181D.
    #expect(bytes[4 + 19 * 3] == 0x1D && bytes[5 + 19 * 3] == 0x18 && bytes[6 + 19 * 3] == 77)
    let returnBytes = (0..<1200).filter { $0 % 100 >= 4 }.map { bytes[$0] }
    #expect(returnBytes.count(where: { $0 != 0 }) == 3)  // only the one return was written
    #expect(Array(bytes[1200...]) == [0x04, 0x03, 0x02, 0x01, 0x37, 0x22])

    var vls128 = try VelodynePacketWriter(model: .vls128, returnMode: .last)
    try vls128.begin(microsecondsPastHour: 5, columnAzimuths: [100, 120, 140])
    vls128.setReturns(
      FiringReturns(
        last: LaserReturn(distanceMeters: 12.348, intensity: 9),
        strongest: LaserReturn(distanceMeters: 3, intensity: 1)),
      sequence: 2, laser: 70)
    let vls = vls128.packet
    let flags: [[UInt8]] = [[0xFF, 0xEE], [0xFF, 0xDD], [0xFF, 0xCC], [0xFF, 0xBB]]
    for block in 0..<12 {
      #expect(Array(vls[(block * 100)..<(block * 100 + 2)]) == flags[block % 4])
      #expect(Int(vls[block * 100 + 2]) == 100 + 20 * (block / 4))
    }
    // Laser 70 is bank 2, channel 6; sequence 2 is blocks 8–11. 12.348 m / 4 mm = 3087 = 0x0C0F.
    let at = 10 * 100 + 4 + 6 * 3
    #expect(vls[at] == 0x0F && vls[at + 1] == 0x0C && vls[at + 2] == 9)
    #expect(vls[1204] == 0x38 && vls[1205] == 0xA1)

    var dual = try VelodynePacketWriter(model: .vlp16, returnMode: .dual)
    try dual.begin(microsecondsPastHour: 0, columnAzimuths: [UInt16](repeating: 0, count: 6))
    dual.setReturns(
      FiringReturns(
        last: LaserReturn(distanceMeters: 2, intensity: 1),
        strongest: LaserReturn(distanceMeters: 4, intensity: 2)),
      sequence: 3, laser: 0)
    // Sequence 3 is the second half of pair 1: last in block 2, strongest in block 3, channel 16.
    #expect(Array(dual.packet[(204 + 48)..<(207 + 48)]) == [0xE8, 0x03, 1])
    #expect(Array(dual.packet[(304 + 48)..<(307 + 48)]) == [0xD0, 0x07, 2])
    #expect(dual.packet[1204] == 0x39)
  }

  @Test func distancesAreQuantizedToTheModelUnit() throws {
    let vlp16 = try VelodynePacketWriter(model: .vlp16, returnMode: .strongest)
    let vls128 = try VelodynePacketWriter(model: .vls128, returnMode: .strongest)
    #expect(vlp16.rawDistance(1) == 500)
    #expect(vls128.rawDistance(1) == 250)
    #expect(vlp16.rawDistance(0.0029) == 1)
    #expect(vlp16.rawDistance(0.0031) == 2)
    #expect(vls128.rawDistance(0.0061) == 2)
    #expect(vlp16.rawDistance(131.07) == 65535)
    // Beyond what 16 bits can carry, not a value, and too close to measure: no return.
    #expect(vlp16.rawDistance(131.08) == 0)
    #expect(vls128.rawDistance(262.2) == 0)
    for meters: Float in [0, -1, 0.0009, .nan, .infinity] {
      #expect(vlp16.rawDistance(meters) == 0)
    }
  }

  @Test func firingTimesAndRaysFollowTheManual() throws {
    let periods: [(VelodyneModel, ReturnMode, sequences: Int, period: Int64)] = [
      (.vlp16, .strongest, 24, 1_327_104), (.vlp16, .dual, 12, 663_552),
      (.hdl32e, .strongest, 12, 552_960), (.hdl32e, .dual, 6, 276_480),
      (.vlp32c, .strongest, 12, 663_552), (.vls128, .strongest, 3, 160_000),
    ]
    for (model, mode, sequences, period) in periods {
      var writer = try VelodynePacketWriter(model: model, returnMode: mode)
      #expect(writer.sequencesPerPacket == sequences)
      #expect(writer.packetPeriodNanoseconds == period)
      try writer.begin(
        microsecondsPastHour: 0,
        columnAzimuths: [UInt16](repeating: 9000, count: writer.columnsPerPacket))
      for sequence in 0..<sequences {
        for laser in 0..<writer.laserCount {
          let firing = writer.firing(sequence: sequence, laser: laser)
          #expect(
            firing.timeOffsetNanoseconds
              == manualFiringOffsetNanoseconds(model, sequence: sequence, laser: laser))
          let d = firing.direction
          #expect(abs((d * d).sum() - 1) < 1e-5)
          #expect(abs(Double(d.z) - sin(firing.elevationDegrees * .pi / 180)) < 1e-6)
          // Azimuth turns clockwise from x: 90° points right, to −y. No spin: no interpolation.
          let heading = atan2(-Double(d.y), Double(d.x)) * 18000 / .pi
          #expect(firing.azimuthCentidegrees == 9000)
          #expect(
            azimuthDifference(heading, 9000 - firing.azimuthCorrectionDegrees * 100) < 1e-3)
        }
      }
    }
    let vlp16 = try VelodynePacketWriter(model: .vlp16, returnMode: .strongest)
    let elevations = (0..<16).map { vlp16.firing(sequence: 0, laser: $0).elevationDegrees }
    let manual: [Double] = [-15, 1, -13, 3, -11, 5, -9, 7, -7, 9, -5, 11, -3, 13, -1, 15]
    #expect(zip(elevations, manual).allSatisfy { abs($0 - $1) < 1e-5 })
    #expect(
      (0..<16).map { vlp16.firing(sequence: 0, laser: $0).ring } == [
        0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15,
      ])
  }

  @Test func spinGivesBlockAzimuthsAndInterpolatedFirings() throws {
    var writer = try VelodynePacketWriter(model: .vlp16, returnMode: .strongest)
    var spin = VelodynePacketWriter.Spin(azimuthCentidegrees: 35_990, revolutionsPerSecond: 10)
    var lastAzimuth: UInt16?
    for _ in 0..<3 {
      let packet = try writer.writePacket(microsecondsPastHour: 1000, spin: spin) { _ in .none }
      guard case .header(let header) = packet.withUnsafeBytes({ VelodynePacketHeader.parse($0) })
      else {
        Issue.record("header rejected")
        return
      }
      // Block c starts c × 110.592 µs after the timestamp; 10 Hz is 360 000 centidegrees/s.
      func blockAzimuth(_ c: Int) -> UInt16 {
        let azimuth = spin.azimuthCentidegrees + 360_000 * Double(c) * 110.592e-6
        return UInt16(Int(azimuth.rounded()) % 36000)
      }
      #expect(header.firstBlockAzimuth == blockAzimuth(0))
      #expect(header.lastBlockAzimuth == blockAzimuth(11))
      if let lastAzimuth {
        // The next packet continues one block step (about 39.8 centidegrees) further on.
        #expect(
          azimuthDifference(Double(header.firstBlockAzimuth), Double(lastAzimuth) + 39.8) <= 1)
      }
      lastAzimuth = header.lastBlockAzimuth
      // The second sequence of a block fires 55.296 µs later: about 19.9 centidegrees on.
      let first = writer.firing(sequence: 2, laser: 0).azimuthCentidegrees
      let second = writer.firing(sequence: 3, laser: 0).azimuthCentidegrees
      #expect(abs(azimuthDifference(first, second) - 19.9) < 0.1)
      spin = spin.advanced(byNanoseconds: writer.packetPeriodNanoseconds)
    }
    #expect(spin.azimuthCentidegrees >= 0 && spin.azimuthCentidegrees < 36000)
  }

  @Test func refusesWhatDecodersWouldReject() throws {
    #expect(throws: PacketWriterError.unsupportedReturnMode(.vls128, .dual)) {
      try VelodynePacketWriter(model: .vls128, returnMode: .dual)
    }
    #expect(throws: PacketWriterError.calibrationForOtherModel(expected: .vlp16, found: .hdl32e)) {
      try VelodynePacketWriter(
        model: .vlp16, returnMode: .strongest, calibration: LaserTable.builtIn(for: .hdl32e))
    }
    var writer = try VelodynePacketWriter(model: .vlp16, returnMode: .strongest)
    #expect(throws: PacketWriterError.wrongAzimuthCount(expected: 12, found: 6)) {
      try writer.begin(microsecondsPastHour: 0, columnAzimuths: [UInt16](repeating: 0, count: 6))
    }
    #expect(throws: PacketWriterError.azimuthOutOfRange(36000)) {
      try writer.begin(
        microsecondsPastHour: 0, columnAzimuths: [UInt16](repeating: 36000, count: 12))
    }
    #expect(throws: PacketWriterError.timestampBeyondHour(3_600_000_000)) {
      try writer.begin(
        microsecondsPastHour: 3_600_000_000,
        spin: .init(azimuthCentidegrees: 0, revolutionsPerSecond: 10))
    }
    #expect("\(PacketWriterError.unsupportedReturnMode(.vls128, .dual))".contains("VLS-128"))
  }

  @Test func earlyFirmwareProductByteDecodesWithAModelOverride() throws {
    var writer = try VelodynePacketWriter(
      model: .vlp16, returnMode: .strongest, productByte: 0x21)
    let azimuths = (0..<12).map { UInt16(1000 + 40 * $0) }
    try writer.begin(microsecondsPastHour: 7, columnAzimuths: azimuths)
    for sequence in 0..<24 {
      for laser in 0..<16 {
        writer.setReturns(
          patternReturns(sequence: sequence, laser: laser), sequence: sequence, laser: laser)
      }
    }
    #expect(writer.packet[1205] == 0x21)
    let (_, points) = try decodeWritten(
      writer.packet, decoder: VelodyneDecoder(modelOverride: .vlp16), packetTime: 7000)
    expectSamePoints(
      points, expectedPoints(writer, columnAzimuths: azimuths, packetTime: 7000), unit: 0.002)
  }
}

extension PacketWriterTests {
  /// A calibration with horizontal offsets and its own vertical angles: the writer's rays and the
  /// decoder, given the same table, must agree.
  @Test func calibratedRaysDecodeWhereTheyWereCast() throws {
    let corrections = (0..<16).map { (laser: Int) -> LaserCorrection in
      LaserCorrection(
        verticalDegrees: Double(laser) * 2 - 15.5,
        rotationDegrees: laser % 2 == 0 ? 1.5 : -2.25,
        verticalOffsetMeters: 0.01 * Double(laser % 3))
    }
    let table = try LaserTable(model: .vlp16, corrections: corrections)
    var writer = try VelodynePacketWriter(model: .vlp16, returnMode: .strongest, calibration: table)
    let firing = writer.firing(sequence: 0, laser: 3)
    #expect(abs(firing.elevationDegrees - -9.5) < 1e-5)
    #expect(abs(firing.azimuthCorrectionDegrees - -2.25) < 1e-5)
    #expect(abs(firing.origin.z - 0.0) < 1e-6)
    let packet = try writer.writePacket(
      microsecondsPastHour: 99,
      spin: .init(azimuthCentidegrees: 27_000, revolutionsPerSecond: 20), returns: castIntoTestWorld
    )
    let (_, points) = try decodeWritten(
      packet, decoder: VelodyneDecoder(calibration: table), packetTime: 99_000)
    #expect(points.count == 24 * 16)
    for point in points {
      // Every return lies on the ground (z = −1.8) or the wall (25 m out).
      let radius = (point.x * point.x + point.y * point.y).squareRoot()
      #expect(abs(point.z + 1.8) < 0.01 || abs(radius - 25) < 0.01)
    }
  }
}

// MARK: - Position packets

@Suite struct PositionPacketWriterTests {
  /// The fix of the bundled capture's first sentence, a quarter second later.
  static let fix = GNSSFix(
    utcNanoseconds: 1_453_364_282_250_000_000, latitude: 36 + 49.7478558 / 60,
    longitude: -(2 + 24.4542928 / 60), speedMetersPerSecond: 0.034 * 1852 / 3600,
    courseDegrees: 212.5)

  func parsed(_ payload: [UInt8]) -> PositionPacket? {
    guard case .success(let packet) = payload.withUnsafeBytes({ PositionPacket.parse($0) })
    else { return nil }
    return packet
  }

  @Test func writesTheSentenceAReceiverWould() throws {
    var writer = PositionPacketWriter()
    let payload = writer.write(microsecondsPastHour: 1_082_342_001, ppsStatus: 2, fix: Self.fix)
    #expect(payload.count == 512)
    let text = "$GPRMC,081802.25,A,3649.7478558,N,00224.4542928,W,0.034,212.50,210116,,,A"
    let checksum = text.utf8.dropFirst().reduce(UInt8(0), ^)
    let sentence = text + "*" + String(format: "%02X", checksum) + "\r\n"
    let written = Array(payload[206..<(206 + sentence.utf8.count)])
    #expect(String(decoding: written, as: UTF8.self) == sentence)
    #expect(payload[(206 + sentence.utf8.count)...].allSatisfy { $0 == 0 })
    #expect(payload[..<198].allSatisfy { $0 == 0 })
    #expect(Array(payload[198..<203]) == [0x71, 0x3A, 0x83, 0x40, 2])
  }

  @Test func parsesBackToTheSameFix() throws {
    var writer = PositionPacketWriter()
    let fixes = [
      Self.fix,
      // Southern and eastern hemispheres, no fix, no speed or course, a leap day.
      GNSSFix(
        utcNanoseconds: 1_709_251_199_990_000_000, latitude: -33.8688, longitude: 151.2093,
        isValid: false),
      // Near the antimeridian and the pole, moving fast.
      GNSSFix(
        utcNanoseconds: 946_684_800_000_000_000, latitude: 89.999_999, longitude: -179.999_999,
        speedMetersPerSecond: 41.7, courseDegrees: 359.99),
    ]
    for fix in fixes {
      let packet = try #require(
        parsed(writer.write(microsecondsPastHour: 42, ppsStatus: 1, fix: fix)))
      #expect(packet.microsecondsPastHour == 42)
      #expect(packet.ppsStatus == 1)
      let back = try #require(packet.fix)
      #expect(back.utcNanoseconds == fix.utcNanoseconds)
      #expect(back.isValid == fix.isValid)
      #expect(abs(back.latitude - fix.latitude) < 1e-8)
      #expect(abs(back.longitude - fix.longitude) < 1e-8)
      #expect((back.speedMetersPerSecond == nil) == (fix.speedMetersPerSecond == nil))
      #expect(abs((back.speedMetersPerSecond ?? 0) - (fix.speedMetersPerSecond ?? 0)) < 0.0003)
      #expect(back.courseDegrees.map { abs($0 - fix.courseDegrees!) < 0.005 } ?? true)
      #expect((back.courseDegrees == nil) == (fix.courseDegrees == nil))
    }
  }

  @Test func timeRoundsToCentisecondsAcrossMidnight() throws {
    var writer = PositionPacketWriter()
    // 2023-12-31T23:59:59.996Z rounds to 2024-01-01T00:00:00.00Z.
    let fix = GNSSFix(utcNanoseconds: 1_704_067_199_996_000_000, latitude: 1, longitude: 1)
    let packet = try #require(parsed(writer.write(microsecondsPastHour: 0, ppsStatus: 2, fix: fix)))
    #expect(packet.fix?.utcNanoseconds == 1_704_067_200_000_000_000)
    let date = String(decoding: writer.packet[206..<280], as: UTF8.self)
    #expect(date.contains(",000000.00,A,") && date.contains(",010124,"))
  }

  @Test func noFixMeansNoSentence() throws {
    var writer = PositionPacketWriter()
    _ = writer.write(microsecondsPastHour: 1, ppsStatus: 2, fix: Self.fix)
    let packet = try #require(parsed(writer.write(microsecondsPastHour: 9, ppsStatus: 0, fix: nil)))
    #expect(packet.fix == nil)
    #expect(packet.ppsStatus == 0)
    #expect(packet.microsecondsPastHour == 9)
    #expect(writer.packet[206...].allSatisfy { $0 == 0 })  // the previous sentence is gone
  }
}

// MARK: - Synthetic captures end to end

/// A ray caster over a tiny world: flat ground 1.8 m below the sensor, a round wall at 25 m, and
/// a wire fence 6 m ahead (x = 6, |y| < 3) that gives the strongest echo while the ground or the
/// wall behind it gives the last. Intensity tells the surfaces apart.
func castIntoTestWorld(_ firing: LaserFiring) -> FiringReturns {
  let o = firing.origin
  let d = firing.direction
  var solid: LaserReturn?
  func consider(_ t: Float, _ intensity: UInt8) {
    if t > 0.2, t < (solid?.distanceMeters ?? .infinity) {
      solid = LaserReturn(distanceMeters: t, intensity: intensity)
    }
  }
  if d.z < 0 { consider((-1.8 - o.z) / d.z, 20) }
  let horizontal = (d.x * d.x + d.y * d.y).squareRoot()
  if horizontal > 1e-6 { consider(25 / horizontal, 120) }
  guard let solid else { return .none }
  if d.x > 1e-6 {
    let t = 6 / d.x
    if t < solid.distanceMeters - 1, abs(t * d.y) < 3 {
      return FiringReturns(last: solid, strongest: LaserReturn(distanceMeters: t, intensity: 250))
    }
  }
  return FiringReturns(solid)
}

/// Writes `packets` data packets of the test world (and a position packet every 100), as a 10 Hz
/// sensor sends them, to `path`. Returns the points a decoder should produce.
@discardableResult
func writeTestWorldCapture(
  model: VelodyneModel, mode: ReturnMode, packets: Int, to path: String
) throws -> [LidarPoint] {
  let hourStart = PacketWriterTests.hourStart
  var writer = try VelodynePacketWriter(model: model, returnMode: mode)
  var position = PositionPacketWriter()
  var dataFrames = UDPFrameWriter.velodyne(port: VelodynePacketLayout.dataPort)
  var positionFrames = UDPFrameWriter.velodyne(port: VelodynePacketLayout.positionPort)
  let capture = try PcapWriter(path: path)
  var spin = VelodynePacketWriter.Spin(azimuthCentidegrees: 12_000, revolutionsPerSecond: 10)
  var expected: [LidarPoint] = []
  let unit = manualDistanceUnit(model)
  var nanosecondsPastHour: Int64 = 1_000_000_000
  for index in 0..<packets {
    let micros = UInt32(nanosecondsPastHour / 1000)
    let packetTime = hourStart + Int64(micros) * 1000
    let packet = try writer.writePacket(microsecondsPastHour: micros, spin: spin) { firing in
      let returns = castIntoTestWorld(firing)
      func expect(_ laserReturn: LaserReturn, type: UInt8) {
        guard laserReturn.distanceMeters > 0 else { return }
        let distance = (laserReturn.distanceMeters / unit).rounded() * unit
        let at = firing.origin + distance * firing.direction
        expected.append(
          LidarPoint(
            x: at.x, y: at.y, z: at.z, distance: distance,
            timeNanoseconds: packetTime + firing.timeOffsetNanoseconds,
            azimuthCentidegrees: UInt16(Int(firing.azimuthCentidegrees.rounded()) % 36000),
            intensity: laserReturn.intensity, ring: firing.ring, returnType: type))
      }
      switch mode {
      case .strongest: expect(returns.strongest, type: ReturnType.strongest)
      case .last: expect(returns.last, type: ReturnType.last)
      case .dual where returns.last == returns.strongest:
        expect(returns.last, type: ReturnType.both)
      case .dual:
        expect(returns.last, type: ReturnType.last)
        expect(returns.strongest, type: ReturnType.strongest)
      }
      return returns
    }
    // The host stamps each frame 150 µs after the packet's last firing.
    let arrival = packetTime + writer.packetPeriodNanoseconds + 150_000
    try capture.write(dataFrames.write(payload: packet), timestampNanoseconds: arrival)
    if index % 100 == 0 {
      let fix = GNSSFix(
        utcNanoseconds: packetTime, latitude: 58.3806, longitude: 26.7251,
        speedMetersPerSecond: 0, courseDegrees: 0)
      let payload = position.write(microsecondsPastHour: micros, ppsStatus: 2, fix: fix)
      try capture.write(positionFrames.write(payload: payload), timestampNanoseconds: arrival + 1)
    }
    spin = spin.advanced(byNanoseconds: writer.packetPeriodNanoseconds)
    nanosecondsPastHour += writer.packetPeriodNanoseconds
  }
  try capture.close()
  return expected
}

@Suite struct SyntheticCaptureTests {
  @Test(arguments: [
    WriterCase(model: .vlp16, mode: .strongest), WriterCase(model: .vlp16, mode: .dual),
    WriterCase(model: .vls128, mode: .last),
  ])
  func captureReplaysThroughTheDecodingPath(_ input: WriterCase) throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("sightline-packet-writer-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent("\(input.model)-\(input.mode).pcap").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let expected = try writeTestWorldCapture(
      model: input.model, mode: input.mode, packets: 120, to: path)

    let capture = try PcapFile(path: path)
    var extractor = DatagramExtractor()
    let decoder = VelodyneDecoder()
    var points: [LidarPoint] = []
    var fixes: [GNSSFix] = []
    var dataPackets = 0
    while try capture.next({ record in
      guard
        case .datagram(let datagram) = extractor.extract(
          record.bytes, linkType: .ethernet, captureTimeNanoseconds: record.timestampNanoseconds)
      else {
        Issue.record("frame skipped")
        return
      }
      if datagram.destinationPort == VelodynePacketLayout.positionPort {
        if case .success(let packet) = PositionPacket.parse(datagram.payload), let fix = packet.fix
        {
          fixes.append(fix)
        }
        return
      }
      guard case .header(let header) = VelodynePacketHeader.parse(datagram.payload),
        decoder.rejection(of: header) == nil
      else {
        Issue.record("data packet rejected")
        return
      }
      dataPackets += 1
      let time = TopOfHour.resolve(
        microsecondsPastHour: header.microsecondsPastHour,
        referenceNanoseconds: record.timestampNanoseconds)
      decoder.decode(datagram.payload, header: header, packetTimeNanoseconds: time, into: &points)
    }) {}
    #expect(dataPackets == 120)
    #expect(fixes.count == 2)
    #expect(extractor.counters == ReassemblyCounters())
    #expect(points.count > 120 * 100)
    expectSamePoints(points, expected, unit: manualDistanceUnit(input.model))
    // The fence makes two echoes where it stands; everywhere else there is one.
    let types = Set(points.map(\.returnType))
    #expect(input.mode != .dual || types == [1, 2, 3])
    #expect(points.contains { $0.intensity == 250 } == (input.mode != .last))
  }

  /// Writes captures for an independent decoder to read, with the points it should find, to
  /// SIGHTLINE_PEER_CHECK_DIR (make test sets it; Tools/oracle/check_peer_captures.py then has
  /// velodyne-decoder read them). Without it, the same files go to a temporary directory and the
  /// test checks that they were written whole.
  @Test func writesCapturesForAPeerDecoderWhenAsked() throws {
    let directory =
      ProcessInfo.processInfo.environment["SIGHTLINE_PEER_CHECK_DIR"]
      ?? FileManager.default.temporaryDirectory
      .appendingPathComponent("sightline-peer-\(getpid())").path
    try FileManager.default.createDirectory(
      atPath: directory, withIntermediateDirectories: true)
    let cases: [(VelodyneModel, ReturnMode, Int)] = [
      (.vlp16, .strongest, 80), (.vlp16, .dual, 160), (.vls128, .strongest, 700),
      (.vls128, .last, 700), (.hdl32e, .strongest, 200), (.vlp32c, .dual, 320),
    ]
    for (model, mode, packets) in cases {
      let name = "\(model)-\(mode)".lowercased().replacingOccurrences(of: "-", with: "")
      let expected = try writeTestWorldCapture(
        model: model, mode: mode, packets: packets, to: "\(directory)/\(name).pcap")
      var csv = "x,y,z,intensity,ring,return_type,time_ns\n"
      for p in expected {
        csv +=
          "\(p.x),\(p.y),\(p.z),\(p.intensity),\(p.ring),\(p.returnType),\(p.timeNanoseconds)\n"
      }
      try csv.write(toFile: "\(directory)/\(name).csv", atomically: true, encoding: .utf8)
      let written = try String(contentsOfFile: "\(directory)/\(name).csv", encoding: .utf8)
      #expect(written.split(separator: "\n").count == expected.count + 1)
      #expect(expected.count > packets * 10)
      let pcap = try FileManager.default.attributesOfItem(atPath: "\(directory)/\(name).pcap")
      #expect((pcap[.size] as? Int ?? 0) > packets * 1206)
    }
  }
}
