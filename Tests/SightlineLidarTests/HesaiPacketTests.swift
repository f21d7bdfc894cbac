import Foundation
import SightlineHesai
import SightlineLidar
import Testing

/// Parses `bytes` as one Hesai packet and hands it to `body`.
func withHesaiPacket<Result>(
  _ bytes: [UInt8], _ body: (HesaiPacket) throws -> Result
) throws -> Result {
  try bytes.withUnsafeBytes { raw in
    try body(HesaiPacket.parse(raw).get())
  }
}

func firstPayload(_ capture: String) throws -> [UInt8] {
  try #require(udpPayloads(sharedLidarData.appendingPathComponent(capture).path).first).bytes
}

@Suite struct HesaiPacketTests {
  @Test(arguments: HesaiModel.allCases)
  func everyModelIsRecognisedByStructure(_ model: HesaiModel) throws {
    var writer = HesaiPacketWriter(model: model, firstAzimuth: 12345)
    writer.motorRPM = 1200
    let bare = writer.bytes()
    writer.sequence = 77
    let sequenced = writer.bytes()
    let smallest = HesaiPacketWriter.sizes(model)[0]
    #expect(bare.count == smallest)
    #expect(sequenced.count == (model == .pandarQT128 ? smallest : smallest + 4))
    for (bytes, sequence) in [(bare, model == .pandarQT128 ? UInt32(0) : nil), (sequenced, 77)] {
      try withHesaiPacket(bytes) { packet in
        #expect(packet.model == model)
        #expect(packet.returnMode == .strongest)
        #expect(packet.motorSpeedRPM == 1200)
        #expect(packet.sequence == sequence)
        #expect(packet.azimuth(block: 0) == 12345)
        #expect(packet.distanceUnit == 0.004)
      }
    }
  }

  @Test func theTailGivesTheUTCTime() throws {
    var writer = HesaiPacketWriter(model: .pandarXT32)
    writer.date = [119, 7, 25, 3, 19, 29]
    writer.microseconds = 123_456
    try withHesaiPacket(writer.bytes()) { packet in
      #expect(packet.timeNanoseconds == 1_564_024_769 * 1_000_000_000 + 123_456_000)
    }
  }

  /// Pandar64 writes its year as an offset: counted from 2000 as nebula does, a year byte of 120
  /// gives 2120; it is 2020.
  @Test(arguments: [UInt8(120), 20])
  func pandar64YearIsNot2120(_ yearByte: UInt8) throws {
    var writer = HesaiPacketWriter(model: .pandar64)
    writer.date = [yearByte, 10, 9, 12, 3, 29]
    writer.microseconds = 250_000
    let expected: Int64 = 1_602_245_009 * 1_000_000_000 + 250_000_000
    try withHesaiPacket(writer.bytes()) { packet in
      #expect(packet.timeNanoseconds == expected)
    }
    // Points carry it too, give or take the firing offsets (under 0.4 ms on the Pandar64).
    writer.units[5][7] = (2500, 90)
    var stream = HesaiStream(calibration: try hesaiCalibration(.pandar64))
    let sweeps = ingest([(2368, writer.bytes())], into: &stream)
    let point = try #require((sweeps.cut + sweeps.flushed).flatMap(\.points).first)
    #expect(abs(point.timeNanoseconds - expected) < 400_000)
    #expect(HesaiClock.year(byte: yearByte) == 2020)
  }

  /// The 40P counts its year from 2000: the shared capture is from 2017-09-06 16:19:46.881567.
  @Test func pandar40PYearCountsFrom2000() throws {
    let payload = try firstPayload("hesai-40p-dual-last-strongest.pcap")
    try withHesaiPacket(payload) { packet in
      #expect(payload[payload.count - 6] == 17)
      #expect(packet.timeNanoseconds == 1_504_714_786 * 1_000_000_000 + 881_567_000)
    }
  }

  /// The QT and XT models count from 1900: the shared QT64 is from 2017-09-06 14:31:22.818090.
  @Test func qt64YearCountsFrom1900() throws {
    let payload = try firstPayload("hesai-qt64-dual-first-last.pcap")
    try withHesaiPacket(payload) { packet in
      #expect(packet.timeNanoseconds == 1_504_708_282 * 1_000_000_000 + 818_090_000)
    }
  }

  @Test func datesOutOfRangeCarryOverLikeTimegm() {
    let carried = HesaiClock.secondsSinceEpoch(
      year: 2019, month: 13, day: 1, hour: 0, minute: 0, second: 0)
    let january = HesaiClock.secondsSinceEpoch(
      year: 2020, month: 1, day: 1, hour: 0, minute: 0, second: 0)
    #expect(carried == january)
    #expect(january == 1_577_836_800)
    // Month 0 and day 0 step back: 1999-11-30.
    #expect(
      HesaiClock.secondsSinceEpoch(year: 2000, month: 0, day: 0, hour: 0, minute: 0, second: 0)
        == 943_920_000)
  }

  @Test func theQT128SafetyBlockIsRead() throws {
    var writer = HesaiPacketWriter(model: .pandarQT128)
    writer.lidarState = 4
    try withHesaiPacket(writer.bytes()) { packet in
      let safety = try #require(packet.functionalSafety)
      #expect(safety.version == 1)
      #expect(safety.lidarState == 4 && safety.isDegraded)
      #expect(safety.faultCode == 0x1234)
      #expect(safety.totalFaultCodes == 1 && safety.faultCodeID == 1)
    }
  }
}
