import SightlineLidar
import SightlineOuster
import Testing

@Suite struct OusterPacketFormatTests {
  /// ouster-sdk 1.0.1's `PacketFormat.lidar_packet_size` for 128 beams, 16 columns per packet.
  @Test func packetSizesAreOusterSDKs() {
    let sizes: [OusterLidarProfile: Int] = [
      .legacy: 24896, .single: 24832, .dual: 33024, .lowBandwidth: 8448, .fusaDual: 16640,
    ]
    for (profile, size) in sizes {
      let format = OusterPacketFormat(profile: profile, pixelsPerColumn: 128, columnsPerPacket: 16)
      #expect(format.lidarPacketSize == size, "\(profile)")
    }
    let legacy = OusterPacketFormat(profile: .legacy, pixelsPerColumn: 32, columnsPerPacket: 16)
    #expect(legacy.lidarPacketSize == 6464 && legacy.statusOffset == 16 + 32 * 12)
    #expect(legacy.otherProfile(withPacketSize: 8448) == .dual)
    #expect(legacy.otherProfile(withPacketSize: 8449) == nil)
  }

  /// The standard CRC-64/XZ check value, and the CRC ouster-sdk wrote into a packet.
  @Test func crc64IsTheSensors() throws {
    let check = Array("123456789".utf8).withUnsafeBytes { OusterCRC64.checksum($0) }
    #expect(check == 0x995D_C9BB_DF19_39FA)
    let sample = try OusterSample.single()
    let format = OusterPacketFormat(sample.metadata)
    for packet in sample.lidar {
      packet.withUnsafeBytes { bytes in
        #expect(format.storedCRC(bytes) == OusterCRC64.packetChecksum(bytes))
      }
    }
  }

  @Test func standardHeaderFields() throws {
    let sample = try OusterSample.dual()
    let format = OusterPacketFormat(sample.metadata)
    let header = sample.lidar[0].withUnsafeBytes { format.header($0) }
    #expect(header.packetType == 1 && header.frameID == 1453)
    #expect(header.initID == 9_599_938 && header.serialNumber == 992_137_000_142)
    #expect(header.thermalShutdown == 0 && header.shotLimiting == 0)
    let first = sample.lidar[0].withUnsafeBytes { bytes in
      (format.measurementID(bytes, column: 0), format.columnStatus(bytes, column: 0))
    }
    #expect(first.0 == 0 && first.1 == 1)
  }

  @Test func fusaHeaderFields() throws {
    let sample = try OusterSample("ouster-os1-128-fusa-dual-partial")
    let format = OusterPacketFormat(sample.metadata)
    let header = sample.lidar[0].withUnsafeBytes { format.header($0) }
    #expect(header.packetType == 1 && header.frameID == 229)
    #expect(header.initID == 390076 && header.serialNumber == 122_246_000_293)
    #expect(header.alertFlags == 0x8C)
    #expect(sample.lidar[0].withUnsafeBytes { format.storedCRC($0) } == nil)
  }

  @Test func legacyColumnHeaderFields() throws {
    let sample = try OusterSample.legacy()
    let format = OusterPacketFormat(sample.metadata)
    sample.lidar[1].withUnsafeBytes { bytes in
      #expect(format.header(bytes).frameID == 638)
      #expect(format.measurementID(bytes, column: 0) == 16)
      // 90112 encoder counts per turn: 88 per column of 1024.
      #expect(format.encoderCount(bytes, column: 0) == 16 * 88)
      #expect(format.columnStatus(bytes, column: 0) == 0xFFFF_FFFF)
    }
  }
}
