import Foundation
import SightlineLidar
import SightlineOuster
import Testing

/// A capture's payloads and its metadata, to damage.
struct OusterSample {
  var metadata: OusterMetadata
  var lidar: [[UInt8]]
  var all: [CapturedPayload]

  init(_ name: String, folder: URL = sharedLidar) throws {
    metadata = try ousterMetadata(folder.appendingPathComponent("\(name).json"))
    all = try capturedPayloads(folder.appendingPathComponent("\(name).pcap").path)
    let size = OusterPacketFormat(metadata).lidarPacketSize
    lidar = all.filter { $0.bytes.count == size }.map(\.bytes)
  }

  static func dual() throws -> OusterSample { try OusterSample("ouster-os0-32-dual") }
  static func legacy() throws -> OusterSample { try OusterSample("ouster-os1-32-legacy") }
  static func single() throws -> OusterSample {
    try OusterSample("ouster-os0-32-single-synthetic", folder: ousterFixtures)
  }
}

extension OusterRun {
  /// Feeds raw payloads on the stream's lidar port (or `port`).
  mutating func feed(_ payloads: [[UInt8]], port: UInt16? = nil) {
    for bytes in payloads {
      feed(CapturedPayload(port: port ?? stream.lidarPort, bytes: bytes, timeNanoseconds: 0))
    }
  }

  /// Every payload is decoded or dropped under a reason: none vanishes.
  func accountsFor(_ payloads: Int) -> Bool {
    stream.counters.lidarPackets + stream.drops.map(\.count).reduce(0, +) == payloads
  }

  var points: Int { sweeps.map(\.sweep.points.count).reduce(0, +) }
}

@Suite struct OusterBadInputTests {
  @Test func shortAndLongPacketsAreCountedBySize() throws {
    let sample = try OusterSample.single()
    var run = OusterRun(metadata: sample.metadata)
    let packet = sample.lidar[0]
    run.feed([Array(packet.prefix(6000)), Array(packet.prefix(10)), [], packet + [0, 0, 0, 0]])
    #expect(run.stream.dropped(.truncated) == 3 && run.stream.dropped(.packetSize) == 1)
    #expect(run.points == 0 && run.accountsFor(4))
  }

  @Test func aBrokenCRCIsCountedAndNotDecoded() throws {
    let sample = try OusterSample.single()
    var run = OusterRun(metadata: sample.metadata)
    var pixel = sample.lidar[0]
    pixel[100] ^= 0x10
    var footer = sample.lidar[1]
    footer[footer.count - 1] ^= 0x01
    run.feed([pixel, footer, sample.lidar[2]])
    run.flush()
    #expect(run.stream.dropped(.crc) == 2 && run.stream.counters.crcValid == 1)
    #expect(run.stream.drops.map(\.reason) == ["ouster.crc"] && run.accountsFor(3))
    #expect(run.stream.counters.lidarPackets == 1)
  }

  @Test func anEmptyCRCIsNotChecked() throws {
    // Firmware 2.2 leaves the footer at 0: a changed byte cannot be detected, and is decoded.
    let sample = try OusterSample.dual()
    var run = OusterRun(metadata: sample.metadata)
    var packet = sample.lidar[0]
    packet[100] ^= 0x10
    run.feed([packet])
    #expect(run.stream.counters.crcAbsent == 1 && run.stream.counters.lidarPackets == 1)
    #expect(run.stream.drops.isEmpty)
  }

  @Test func packetsOfAnotherProfileAreProfileMismatches() throws {
    let dual = try OusterSample.dual()
    let legacy = try OusterSample.legacy()
    let single = try OusterSample.single()
    // LEGACY and single-return packets under the dual metadata (all 32 beams, 16 columns).
    var run = OusterRun(metadata: dual.metadata)
    run.feed(legacy.lidar + single.lidar)
    #expect(run.stream.dropped(.profileMismatch) == 72 && run.points == 0 && run.accountsFor(72))
    // Dual packets under the LEGACY metadata.
    var old = OusterRun(metadata: legacy.metadata)
    old.feed(dual.lidar)
    #expect(old.stream.dropped(.profileMismatch) == 64 && old.stream.sensor == nil)
  }

  @Test func imuPacketsAreCountedWhereverTheyArrive() throws {
    let sample = try OusterSample.dual()
    var run = OusterRun(metadata: sample.metadata)
    run.feed(sample.all)  // 10 IMU packets on 7503
    run.feed([[UInt8](repeating: 0, count: 48)])  // IMU-sized on the lidar port
    run.feed([sample.lidar[0]], port: sample.metadata.imuPort)  // anything on the IMU port
    #expect(run.stream.dropped(.imuPacket) == 12 && run.stream.counters.imuPackets == 12)
    #expect(run.accountsFor(sample.all.count + 2))
  }

  @Test func packetsFromAnotherSensorOrStartAreRefused() throws {
    let sample = try OusterSample.dual()
    var run = OusterRun(metadata: sample.metadata)
    var restarted = sample.lidar[0]
    restarted[4] ^= 0x01  // init id, bytes 4-6
    var other = sample.lidar[1]
    other[8] ^= 0x01  // serial number, bytes 7-11
    var zone = sample.lidar[2]
    zone[0] = 3  // packet type: not lidar
    run.feed([restarted, other, zone])
    run.feed([sample.lidar[3]], port: 2368)
    #expect(run.stream.dropped(.initID) == 1 && run.stream.dropped(.serialNumber) == 1)
    #expect(run.stream.dropped(.packetType) == 1 && run.stream.dropped(.otherPort) == 1)
    #expect(run.points == 0 && run.accountsFor(4))
  }

  @Test func zeroIDsAreNotCompared() throws {
    // ouster-sdk compares an id only when the packet and the metadata both have one.
    let sample = try OusterSample.dual()
    var run = OusterRun(metadata: sample.metadata)
    var packet = sample.lidar[0]
    for byte in 4..<12 { packet[byte] = 0 }
    run.feed([packet])
    #expect(run.stream.drops.isEmpty && run.stream.counters.lidarPackets == 1)
  }

  @Test func duplicateAndLatePacketsAreCounted() throws {
    let sample = try OusterSample.dual()
    var run = OusterRun(metadata: sample.metadata)
    var nextFrame = sample.lidar[1]
    nextFrame[2] &+= 1  // frame id, bytes 2-3
    run.feed([sample.lidar[0], sample.lidar[0], nextFrame, sample.lidar[2]])
    #expect(run.stream.dropped(.duplicate) == 1 && run.stream.dropped(.late) == 1)
    #expect(run.sweeps.count == 1 && run.sweeps[0].frameID == 1453)
    #expect(run.accountsFor(4))
  }

  @Test func aMissingPacketLeavesTheSweepIncomplete() throws {
    let sample = try OusterSample.dual()
    var run = OusterRun(metadata: sample.metadata)
    var nextFrame = sample.lidar[0]
    nextFrame[2] &+= 1
    run.feed(Array(sample.lidar[0..<10] + sample.lidar[11...]) + [nextFrame])
    let sweep = try #require(run.sweeps.first).sweep
    #expect(sweep.packetCount == 63 && sweep.packetsMissing == 1 && sweep.hadGap)
    #expect(sweep.beganAtCut && sweep.endedAtCut && !sweep.isComplete)
    #expect(sweep.coverageCentidegrees == 35437)
    #expect(run.stream.counters.packetsMissing == 1)
  }

  @Test func invalidColumnsAreSkippedAndCounted() throws {
    let sample = try OusterSample.dual()
    let format = OusterPacketFormat(sample.metadata)
    var packet = sample.lidar[0]
    var whole = OusterRun(metadata: sample.metadata)
    whole.feed([packet])
    whole.flush()
    packet[format.columnOffset(3) + format.statusOffset] &= 0xFE  // column 3 not valid
    packet[format.columnOffset(5) + 9] = 0x20  // column 5: measurement id 8197
    var damaged = OusterRun(metadata: sample.metadata)
    damaged.feed([packet])
    damaged.flush()
    #expect(damaged.stream.counters.invalidColumns == 1)
    #expect(damaged.stream.counters.columnsOutsideFrame == 1)
    #expect(damaged.stream.counters.validColumns == 14)
    #expect(damaged.points < whole.points && damaged.points > 0)
  }

  /// Random bytes of every size that matters, under every profile: counted, never a trap.
  @Test(arguments: OusterLidarProfile.allCases)
  func randomPayloadsNeverTrap(profile: OusterLidarProfile) throws {
    var json = try sharedMetadataJSON("ouster-os0-32-dual")
    json = setting(json, "data_format.udp_profile_lidar", profile.rawValue)
    json = setting(json, "initialization_id", nil)
    json = setting(json, "prod_sn", nil)
    let metadata = try parseMetadata(json)
    let size = OusterPacketFormat(metadata).lidarPacketSize
    var generator = SplitMix64(seed: UInt64(size))
    var run = OusterRun(metadata: metadata)
    var payloads: [[UInt8]] = []
    for index in 0..<400 {
      let length = [size, size, size - 1, size + 1, 48, Int(generator.next() % 9000)][index % 6]
      var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
      if length == size && !profile.isLegacy {
        bytes[0] = 1  // lidar packet type, so that the columns are read
        if profile.hasFuSaHeader == false { bytes[1] = 0 }
        // Half with an empty CRC, so that they are decoded and not dropped as .crc.
        if profile.hasCRC && index % 2 == 0 { for at in size - 8..<size { bytes[at] = 0 } }
      }
      payloads.append(bytes)
    }
    run.feed(payloads)
    run.flush()
    #expect(run.accountsFor(payloads.count))
    for point in run.sweeps.flatMap(\.sweep.points) {
      #expect(point.x.isFinite && point.y.isFinite && point.z.isFinite)
      #expect(point.azimuthCentidegrees < 36000 && Int(point.ring) < metadata.pixelsPerColumn)
    }
  }
}

/// A small deterministic generator for the random payloads.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
