import Foundation
import SightlineHesai
import SightlineLidar
import SightlineVelodyne
import Testing

/// Decodes one written packet with the shared calibration of its model.
func decodeHesai(
  _ writer: HesaiPacketWriter, settings: HesaiDecoderSettings = .init()
) throws -> (points: [LidarPoint], packetTime: Int64) {
  let decoder = HesaiDecoder(calibration: try hesaiCalibration(writer.model), settings: settings)
  return try withHesaiPacket(writer.bytes()) { packet in
    var points: [LidarPoint] = []
    decoder.decode(packet, into: &points)
    return (points, packet.timeNanoseconds)
  }
}

@Suite struct HesaiDecoderTests {
  /// Azimuth 90° is clockwise from the front: the sensor's right, −y in REP 103.
  @Test func pointsAreInREP103() throws {
    var writer = HesaiPacketWriter(model: .pandarXT16, firstAzimuth: 9000)
    writer.units[0][0] = (2500, 100)  // 10 m, laser 1 at +15°, no azimuth offset
    writer.units[1][15] = (1250, 7)  // 5 m, laser 16 at −15°, the next firing (0.2° on)
    let (points, time) = try decodeHesai(writer)
    try #require(points.count == 2)
    let right = points[0]
    #expect(abs(right.x) < 1e-5)
    #expect(abs(right.y - -10 * cosf(15 * .pi / 180)) < 1e-5)
    #expect(abs(right.z - 10 * sinf(15 * .pi / 180)) < 1e-5)
    #expect(right.distance == 10)
    #expect(right.azimuthCentidegrees == 9000)
    #expect(right.ring == 0 && right.intensity == 100 && right.returnType == ReturnType.strongest)
    #expect(right.timeNanoseconds == time + 5632 - 50_000 * 7 + 368)
    let next = points[1]
    #expect(next.azimuthCentidegrees == 9020 && next.ring == 15)
    #expect(abs(next.z - -5 * sinf(15 * .pi / 180)) < 1e-5)
    #expect(next.timeNanoseconds == time + 5632 - 50_000 * 6 + 368 + 3024 * 15)
  }

  @Test func azimuthZeroIsForward() throws {
    var writer = HesaiPacketWriter(model: .pandarXT16, firstAzimuth: 0)
    writer.units[0][8] = (2500, 1)  // laser 9 at −1°
    let point = try #require(try decodeHesai(writer).points.first)
    #expect(abs(point.x - 10 * cosf(.pi / 180)) < 1e-5 && abs(point.y) < 1e-5)
  }

  /// nebula's dual-return rules, last+strongest (block 0 last, block 1 strongest).
  @Test func dualReturnsFollowNebula() throws {
    var writer = HesaiPacketWriter(model: .pandarXT32, returnMode: 0x39)
    let pairs: [((UInt16, UInt8), (UInt16, UInt8))] = [
      ((2500, 50), (2500, 50)),  // identical: kept once, from the last block
      ((2500, 50), (2510, 60)),  // 4 cm apart: only the last block
      ((2500, 50), (3000, 80)),  // 2 m apart: both
      ((20, 10), (0, 0)),  // 8 cm, within 0.1 m of the zero return: dropped; zero: dropped
      ((0, 0), (2500, 50)),  // only the strongest
    ]
    for (laser, pair) in pairs.enumerated() {
      writer.units[0][laser] = (pair.0.0, pair.0.1)
      writer.units[1][laser] = (pair.1.0, pair.1.1)
    }
    let points = try decodeHesai(writer).points
    #expect(points.map(\.ring) == [0, 1, 2, 2, 4])
    #expect(points.map(\.returnType) == [3, 3, 2, 1, 1])
    #expect(points.map(\.distance) == [10, 10.04, 10, 12, 10])
  }

  @Test func firstAndLastFollowTheModelsBlockOrder() throws {
    for model in [HesaiModel.pandarQT64, .pandarXT32] {
      var writer = HesaiPacketWriter(model: model, returnMode: 0x3B)
      writer.units[0][0] = (2500, 50)
      writer.units[1][0] = (3000, 80)
      let points = try decodeHesai(writer).points
      // XT16/XT32 send the last return first (nebula flips them too).
      #expect(points.map(\.returnType) == (model == .pandarXT32 ? [2, 1] : [1, 2]))
    }
  }

  /// XT32M triple return: first, last, strongest; only the last block survives a coincidence.
  @Test func tripleReturnsKeepTheLastOfCoincidingOnes() throws {
    var writer = HesaiPacketWriter(model: .pandarXT32M, returnMode: 0x3D)
    for (slot, distance) in [UInt16(2500), 3000, 3500].enumerated() {
      writer.units[slot][0] = (distance, 10)
    }
    for (slot, distance) in [UInt16(2500), 3000, 2500].enumerated() {
      writer.units[slot][1] = (distance, 10)
    }
    let (points, time) = try decodeHesai(writer)
    #expect(points.map(\.ring) == [0, 0, 0, 1, 1])
    #expect(points.map(\.returnType) == [1, 2, 1, 2, 3])
    #expect(points.map(\.distance) == [10, 12, 14, 12, 10])
    // Three blocks per firing, so the first firing is the earlier of two: 50 µs before.
    #expect(points[0].timeNanoseconds == time + 5632 - 50_000 + 368)
  }

  @Test func rangeLimitsAreTheModelsAndTheSettings() throws {
    var writer = HesaiPacketWriter(model: .pandarQT64)
    writer.units[0][0] = (17_500, 1)  // 70 m: past the QT64's 60 m
    writer.units[0][1] = (20, 1)  // 0.08 m: short of its 0.1 m
    writer.units[0][2] = (1250, 1)  // 5 m
    writer.units[0][3] = (2500, 1)  // 10 m
    #expect(try decodeHesai(writer).points.map(\.distance) == [5, 10])
    let settings = HesaiDecoderSettings(minimumRange: 6, maximumRange: 20)
    #expect(try decodeHesai(writer, settings: settings).points.map(\.distance) == [10])
  }

  @Test func distanceUnitComesFromTheHeader() throws {
    var writer = HesaiPacketWriter(model: .pandarXT32M)
    writer.distanceUnitMillimetres = 5
    writer.units[0][0] = (2000, 1)
    #expect(try decodeHesai(writer).points.map(\.distance) == [10])
  }

  /// The QT128 fires two channel sets in turn; the tail's mode flag says which, and so when.
  @Test func qt128FiringTimesFollowTheModeFlag() throws {
    var writer = HesaiPacketWriter(model: .pandarQT128, returnMode: 0x39)
    writer.units[1][40] = (2500, 9)
    for (flag, channelOffset) in [(UInt8(1), Int64(33992)), (0, 0)] {
      writer.modeFlag = flag
      let (points, time) = try decodeHesai(writer)
      #expect(points.map(\.timeNanoseconds) == [time + 9000 + channelOffset])
    }
  }

  @Test func aPacketOfAnotherModelGivesNoPoints() throws {
    let decoder = HesaiDecoder(calibration: try hesaiCalibration(.pandarXT16))
    var writer = HesaiPacketWriter(model: .pandarXT32)
    writer.units[0][0] = (2500, 1)
    try withHesaiPacket(writer.bytes()) { packet in
      var points: [LidarPoint] = []
      #expect(decoder.decode(packet, into: &points) == 0 && points.isEmpty)
    }
  }
}
